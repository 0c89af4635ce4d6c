import { describe, expect, it } from 'vitest';
import { analyzeLabelMatrix, countLabelMatrix, summarizeCounts } from '../analysis/analyze.ts';
import { mergeCounts, serializeCounts } from './vote-counts.ts';

// 6 rows × 3 LFs, k = 3, gold on rows 0–3: cut into units of 2 and 4 rows, as a server run cuts an index.
const L = Int8Array.from([
  0, 0, -1,
  1, -1, 2,
  -1, -1, -1,
  2, 2, 2,
  0, 1, -1,
  -1, 1, 1,
]);
const gold = [0, 1, 2, 2, -1, -1];

describe('vote tallies of units', () => {
  it('sum, through JSON, to the whole matrix\'s analysis', () => {
    const units = [[0, 2], [2, 6]].map(([lo, hi]) =>
      JSON.parse(JSON.stringify(serializeCounts(countLabelMatrix(L.subarray(lo! * 3, hi! * 3), hi! - lo!, 3, 3, gold.slice(lo, hi))))));
    const merged = mergeCounts(units);
    expect(merged).toEqual(countLabelMatrix(L, 6, 3, 3, gold));
    expect(summarizeCounts(merged)).toEqual(analyzeLabelMatrix(L, 6, 3, 3, gold));
  });

  it('leaves the gold tallies out when a unit has none', () => {
    const withGold = serializeCounts(countLabelMatrix(L.subarray(0, 6), 2, 3, 3, gold.slice(0, 2)));
    const without = serializeCounts(countLabelMatrix(L.subarray(6), 4, 3, 3));
    const merged = mergeCounts([withGold, without]);
    expect(merged.goldCounts).toBeUndefined();
    expect([merged.n, merged.coveredRows, merged.overlappedRows, merged.conflictedRows]).toEqual([6, 5, 5, 2]);
  });
});
