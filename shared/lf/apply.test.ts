import { describe, expect, it } from 'vitest';
import { analyzeLabelMatrix } from '../analysis/analyze.ts';
import { applyLfs, labelMatrixFromColumns } from './apply.ts';
import { columnBatchFromRows } from './column-batch.ts';
import { compileLf } from './compile.ts';
import type { AssetSchema } from './types.ts';

const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }] };
const rows = [
  { text: 'check out my channel', likes: 3 },
  { text: 'great song', likes: 500 },
  { text: null, likes: null },
  { text: 'subscribe please', likes: 0 },
];

describe('applyLfs', () => {
  it('gives the row-major label matrix of the LFs, ready for analysis', () => {
    const lfs = [
      compileLf({ type: 'regex', name: 'promo', label: 1, field: 'text', pattern: 'check out|subscribe', case_insensitive: true }, schema, 2),
      compileLf({ type: 'template', name: 'popular', label: 0, field: 'likes', operator: '>=', value: 100 }, schema, 2),
      compileLf({ type: 'sql', name: 'no_likes', label: 1, expression: 'likes = 0 OR text IS NULL' }, schema, 2),
    ];
    const applied = applyLfs(lfs, columnBatchFromRows(schema, rows), 2);
    expect([applied.n, applied.m]).toEqual([4, 3]);
    expect(Array.from(applied.L)).toEqual([
      1, -1, -1,
      -1, 0, -1,
      -1, -1, 1,
      1, -1, 1,
    ]);
    const analysis = analyzeLabelMatrix(applied.L, applied.n, applied.m, 2);
    expect([analysis.coverage, analysis.overlap, analysis.conflict]).toEqual([1, 0.25, 0]);
  });

  it('refuses custom LFs, which run in the sandbox', () => {
    const custom = compileLf({ type: 'custom', name: 'mine', label: 1, code: '(row) => 1' }, schema, 2);
    expect(() => applyLfs([custom], columnBatchFromRows(schema, rows), 2)).toThrow(/LF "mine" is a custom LF: run it in the custom-LF sandbox/);
  });

  it('builds Int16 matrices for k > 127', () => {
    const L = labelMatrixFromColumns([Int16Array.from([200, -1]), Int16Array.from([-1, 5])], 2, 300);
    expect(L).toBeInstanceOf(Int16Array);
    expect(Array.from(L)).toEqual([200, -1, -1, 5]);
  });
});
