// The LF analysis tallies of a unit of rows (shared/analysis's AnalysisCounts) as JSON, and their sum over units:
// like the sufficient statistics (stats.ts, statsToJSON / mergeStats) they are integer counts over rows, so the
// units of a server run add up to the whole matrix's.
import type { AnalysisCounts } from '../analysis/analyze.ts';

export type SerializedCounts = Omit<AnalysisCounts, 'voteCounts' | 'overlapCounts' | 'conflictCounts' | 'goldCounts'> & {
  voteCounts: number[]; overlapCounts: number[]; conflictCounts: number[]; goldCounts?: { joint: number[]; perClass: number[] };
};

export function serializeCounts(c: AnalysisCounts): SerializedCounts {
  return {
    n: c.n, m: c.m, k: c.k, coveredRows: c.coveredRows, overlappedRows: c.overlappedRows, conflictedRows: c.conflictedRows,
    voteCounts: Array.from(c.voteCounts), overlapCounts: Array.from(c.overlapCounts), conflictCounts: Array.from(c.conflictCounts),
    ...(c.goldCounts ? { goldCounts: { joint: Array.from(c.goldCounts.joint), perClass: Array.from(c.goldCounts.perClass) } } : {}),
  };
}

/** Sums tallies of disjoint row sets: every field is a count over rows. */
export function mergeCounts(all: SerializedCounts[]): AnalysisCounts {
  const first = all[0]!;
  const sum = (pick: (c: SerializedCounts) => number[] | undefined) => {
    const out = new Int32Array(pick(first)!.length);
    for (const c of all) pick(c)!.forEach((x, i) => { out[i] += x; });
    return out;
  };
  const withGold = all.every((c) => c.goldCounts);
  return {
    n: all.reduce((s, c) => s + c.n, 0), m: first.m, k: first.k,
    coveredRows: all.reduce((s, c) => s + c.coveredRows, 0),
    overlappedRows: all.reduce((s, c) => s + c.overlappedRows, 0),
    conflictedRows: all.reduce((s, c) => s + c.conflictedRows, 0),
    voteCounts: sum((c) => c.voteCounts), overlapCounts: sum((c) => c.overlapCounts), conflictCounts: sum((c) => c.conflictCounts),
    ...(withGold ? { goldCounts: { joint: sum((c) => c.goldCounts!.joint), perClass: sum((c) => c.goldCounts!.perClass) } } : {}),
  };
}
