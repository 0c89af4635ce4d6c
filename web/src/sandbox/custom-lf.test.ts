import { describe, expect, it } from 'vitest';
import { timeLimitMs } from './custom-lf.ts';

describe('the custom-LF time limit', () => {
  it('is 5 s on the samples a studio usually holds and grows with the rows beyond 100,000', () => {
    expect(timeLimitMs(20_000)).toBe(5000);
    expect(timeLimitMs(100_000)).toBe(5000);
    expect(timeLimitMs(1_000_000)).toBe(50_000);
  });
});
