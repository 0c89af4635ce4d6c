import { describe, expect, it } from 'vitest';
import { jsonDepth } from './request-body.ts';

describe('jsonDepth', () => {
  it('counts objects and arrays as JSON.parse nests them, and nothing inside strings', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth(JSON.stringify({ s: '{[{[', t: 'quote \\" then [[[', u: '\\\\' }))).toBe(1);
    expect(jsonDepth(JSON.stringify([['a"]]'], { k: '\\' }]))).toBe(2);
  });

  it('measures 100,000 levels without recursing', () => {
    expect(jsonDepth('['.repeat(100_000) + ']'.repeat(100_000))).toBe(100_000);
  });
});
