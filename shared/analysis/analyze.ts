// LF analysis with Snorkel's LFAnalysis definitions (snorkel/labeling/analysis.py, v0.10):
// see ../shared/reference/snorkel_conformance.md §1. All fractions are over the n rows unless named "normalized".

import type { LabelArray } from '../labelmodel/matrix.ts';

export interface LfStats {
  j: number;
  /** Sorted distinct classes the LF emits; [] for an LF that never fires. */
  polarity: number[];
  coverage: number;
  /** Rows the LF labels that carry ≥ 2 votes in total, over n. */
  overlaps: number;
  /** overlaps / coverage, 0 when the LF never fires (Snorkel's normalize_by_coverage). */
  overlapsNormalized: number;
  /** Rows the LF labels whose votes are not all equal (the LF itself may agree with others), over n. */
  conflicts: number;
  /** conflicts / overlaps, 0 when the LF overlaps nothing (Snorkel's normalize_by_overlaps). */
  conflictsNormalized: number;
  /** voteCounts[c] = rows on which the LF votes class c. */
  voteCounts: number[];
  /** Present only with gold labels. Rows whose gold label is -1 count as unlabeled and are skipped. */
  correct?: number;
  incorrect?: number;
  /** correct / (correct + incorrect); 0 for an LF that labels no gold row. */
  empiricalAccuracy?: number;
  /** empiricalProbs[l + 1][y] = P(LF outputs l | Y = y), l ∈ -1..k-1 (Snorkel's lf_empirical_probs). */
  empiricalProbs?: number[][];
}

export interface LabelMatrixAnalysis {
  n: number;
  m: number;
  k: number;
  /** Fraction of rows with at least one vote. */
  coverage: number;
  /** Fraction of rows with two or more votes. */
  overlap: number;
  /** Fraction of rows whose votes are not all equal. */
  conflict: number;
  lfs: LfStats[];
}

export type AnalysisErrorCode = 'BAD_SHAPE' | 'BAD_LABEL';

export class AnalysisError extends Error {
  readonly code: AnalysisErrorCode;
  constructor(code: AnalysisErrorCode, message: string) {
    super(message);
    this.name = 'AnalysisError';
    this.code = code;
  }
}

/**
 * Integer tallies from which every reported number is derived. Both the one-pass analysis and the
 * incremental column cache produce these, so they report identical numbers by construction.
 */
export interface AnalysisCounts {
  n: number;
  m: number;
  k: number;
  coveredRows: number;
  overlappedRows: number;
  conflictedRows: number;
  /** m×k: votes per LF per class. */
  voteCounts: Int32Array;
  /** m: rows each LF labels that are overlapped / conflicted. */
  overlapCounts: Int32Array;
  conflictCounts: Int32Array;
  /** Present with gold: m×(k+1)×k counts of (LF output l+1, gold y), and k counts of gold y. */
  goldCounts?: { joint: Int32Array; perClass: Int32Array };
}

export function analyzeLabelMatrix(
  L: LabelArray,
  n: number,
  m: number,
  k: number,
  gold?: ArrayLike<number>,
): LabelMatrixAnalysis {
  return summarizeCounts(countLabelMatrix(L, n, m, k, gold));
}

/**
 * One pass over L. The inner loop is branch-free on the vote values (LF votes look like random bits to a
 * branch predictor, and one mispredicted branch per entry costs more than the arithmetic):
 * - every entry, abstain included, counts into cell [j, y + 1, v + 1] of one table (y = -1 without gold), which
 *   yields the per-class votes, the gold confusion counts and lf_empirical_probs at once;
 * - range errors accumulate in a sign bit;
 * - a bit mask of the classes seen tells a conflict (two or more bits set);
 * - the last voter of a row is tracked, so a row with one vote credits that LF as "not overlapped":
 *   overlaps_j = coverage_j − solo_j, with no second loop over overlapped rows.
 * Only conflicted rows are visited twice, to credit every LF voting on them.
 */
export function countLabelMatrix(
  L: LabelArray,
  n: number,
  m: number,
  k: number,
  gold?: ArrayLike<number>,
): AnalysisCounts {
  checkShape(L.length, n, m, k, gold);
  const k1 = k + 1;
  const cellsPerLf = k1 * k1;
  const cells = new Int32Array(m * cellsPerLf); // [j, y + 1, v + 1]
  const solo = new Int32Array(m);
  const conflictCounts = new Int32Array(m);
  let coveredRows = 0;
  let overlappedRows = 0;
  let conflictedRows = 0;
  const maskFits = k <= 31;

  for (let i = 0, p = 0; i < n; i++) {
    const base = p;
    const end = p + m;
    const yOffset = gold ? (gold[i] + 1) * k1 : 0;
    let votes = 0;
    let seen = 0;
    let bad = 0;
    let last = 0;
    for (let cell = yOffset + 1, j = 0; p < end; p++, j++, cell += cellsPerLf) {
      const v = L[p];
      bad |= (v + 1) | (k - 1 - v); // negative iff v < -1 or v ≥ k
      const isVote = (v >>> 31) ^ 1;
      votes += isVote;
      last += (j - last) & -isVote;
      seen |= 1 << v; // an abstain sets bit 31, masked off below
      cells[cell + v]++;
    }
    if (bad < 0) throw firstBadLabel(L, base, i, m, k);
    if (votes === 0) continue;
    coveredRows++;
    if (votes === 1) {
      solo[last]++;
      continue;
    }
    overlappedRows++;
    const classes = seen & 0x7fffffff;
    if (maskFits ? (classes & (classes - 1)) === 0 : !rowConflicts(L, base, m)) continue;
    conflictedRows++;
    for (let j = 0; j < m; j++) conflictCounts[j] += (L[base + j] >>> 31) ^ 1;
  }
  return { n, m, k, coveredRows, overlappedRows, conflictedRows, ...tablesFromCells(cells, solo, conflictCounts, m, k, gold) };
}

/** Splits the [j, y + 1, v + 1] table into the per-class votes and, with gold, the [j, l + 1, y] counts. */
function tablesFromCells(cells: Int32Array, solo: Int32Array, conflictCounts: Int32Array, m: number, k: number, gold?: ArrayLike<number>) {
  const k1 = k + 1;
  const voteCounts = new Int32Array(m * k);
  const overlapCounts = new Int32Array(m);
  const joint = gold ? new Int32Array(m * k1 * k) : undefined;
  for (let j = 0; j < m; j++) {
    let covered = 0;
    for (let l = -1; l < k; l++) {
      for (let y1 = 0; y1 < k1; y1++) {
        const count = cells[(j * k1 + y1) * k1 + l + 1];
        if (l >= 0) {
          voteCounts[j * k + l] += count;
          covered += count;
        }
        if (joint && y1 > 0) joint[(j * k1 + l + 1) * k + y1 - 1] = count;
      }
    }
    overlapCounts[j] = covered - solo[j];
  }
  let goldCounts: AnalysisCounts['goldCounts'];
  if (joint && gold) {
    const perClass = new Int32Array(k);
    for (let i = 0; i < gold.length; i++) if (gold[i] !== -1) perClass[gold[i]]++;
    goldCounts = { joint, perClass };
  }
  return { voteCounts, overlapCounts, conflictCounts, goldCounts };
}

/** Conflict test for k > 31, where the class bit mask would wrap. */
function rowConflicts(L: LabelArray, base: number, m: number): boolean {
  let first = -1;
  for (let j = 0; j < m; j++) {
    const v = L[base + j];
    if (v === -1) continue;
    if (first === -1) first = v;
    else if (v !== first) return true;
  }
  return false;
}

function firstBadLabel(L: LabelArray, base: number, i: number, m: number, k: number): AnalysisError {
  for (let j = 0; j < m; j++) {
    const v = L[base + j];
    if (v < -1 || v >= k) return badLabel(v, i, j, k);
  }
  return badLabel(NaN, i, -1, k);
}

export function checkShape(length: number, n: number, m: number, k: number, gold?: ArrayLike<number>): void {
  if (!Number.isInteger(k) || k < 2) throw new AnalysisError('BAD_SHAPE', `k must be an integer ≥ 2, got ${k}.`);
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0 || length !== n * m) {
    throw new AnalysisError('BAD_SHAPE', `The label matrix holds ${length} entries, not n×m = ${n}×${m}.`);
  }
  if (!gold) return;
  if (gold.length !== n) {
    throw new AnalysisError('BAD_SHAPE', `Gold labels hold ${gold.length} entries for ${n} rows; give one per row.`);
  }
  for (let i = 0; i < n; i++) {
    const y = gold[i];
    if (!Number.isInteger(y) || y < -1 || y >= k) {
      throw new AnalysisError('BAD_LABEL', `Gold label ${y} at row ${i} is outside -1..${k - 1}.`);
    }
  }
}

export function badLabel(v: number, i: number, j: number, k: number): AnalysisError {
  return new AnalysisError('BAD_LABEL', `Vote ${v} at row ${i}, LF ${j} is outside -1..${k - 1}; recode the labels or raise k.`);
}

export function summarizeCounts(c: AnalysisCounts): LabelMatrixAnalysis {
  const { n, m, k } = c;
  const frac = (x: number) => (n === 0 ? 0 : x / n);
  const lfs: LfStats[] = [];
  for (let j = 0; j < m; j++) {
    const voteCounts = Array.from(c.voteCounts.subarray(j * k, (j + 1) * k));
    const covered = voteCounts.reduce((a, b) => a + b, 0);
    const overlapped = c.overlapCounts[j];
    const conflicted = c.conflictCounts[j];
    const stats: LfStats = {
      j,
      polarity: voteCounts.flatMap((count, cls) => (count > 0 ? [cls] : [])),
      coverage: frac(covered),
      overlaps: frac(overlapped),
      overlapsNormalized: covered === 0 ? 0 : overlapped / covered,
      conflicts: frac(conflicted),
      conflictsNormalized: overlapped === 0 ? 0 : conflicted / overlapped,
      voteCounts,
    };
    if (c.goldCounts) Object.assign(stats, goldStats(c.goldCounts, j, k));
    lfs.push(stats);
  }
  return {
    n, m, k,
    coverage: frac(c.coveredRows),
    overlap: frac(c.overlappedRows),
    conflict: frac(c.conflictedRows),
    lfs,
  };
}

function goldStats(g: NonNullable<AnalysisCounts['goldCounts']>, j: number, k: number) {
  const base = j * (k + 1) * k;
  let correct = 0;
  let incorrect = 0;
  const empiricalProbs: number[][] = [];
  for (let l = -1; l < k; l++) {
    const row: number[] = [];
    for (let y = 0; y < k; y++) {
      const count = g.joint[base + (l + 1) * k + y];
      row.push(g.perClass[y] === 0 ? 0 : count / g.perClass[y]);
      if (l === -1) continue;
      if (l === y) correct += count;
      else incorrect += count;
    }
    empiricalProbs.push(row);
  }
  const labelled = correct + incorrect;
  return { correct, incorrect, empiricalAccuracy: labelled === 0 ? 0 : correct / labelled, empiricalProbs };
}
