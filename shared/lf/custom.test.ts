import { describe, expect, it } from 'vitest';
import { customVote, rowTypeSource } from './custom.ts';

describe('custom LF contract', () => {
  it('counts only integer class indices as votes; anything else abstains', () => {
    expect([0, 2, 3, -1, 1.5, '1', null, undefined, NaN, true].map((v) => customVote(v, 3))).toEqual([0, 2, -1, -1, -1, -1, -1, -1, -1, -1]);
  });

  it('declares a nullable, read-only Row field per asset column and the ABSTAIN constant', () => {
    expect(rowTypeSource({ columns: [{ name: 'text', type: 'string' }, { name: 'n"x', type: 'integer' }, { name: 'at', type: 'timestamp' }] })).toBe([
      '/** One row of the asset the LF reads. */',
      'interface Row {',
      '  readonly "text": string | null;',
      '  readonly "n\\"x": number | null;',
      '  readonly "at": Date | null;',
      '}',
      '/** Return this to cast no vote. */',
      'declare const ABSTAIN: -1;',
      '',
    ].join('\n'));
  });
});
