import { describe, expect, it } from 'vitest';
import { analyzeLabelMatrix } from './analyze.ts';

// Fixtures from ../shared/reference/snorkel_conformance.md §1 (Snorkel's test_analysis.py and analysis.py docstring).
const fixtureA = {
  L: [
    [-1, -1, 0, -1, -1, 0],
    [-1, -1, -1, 2, -1, -1],
    [2, -1, -1, -1, -1, 0],
    [1, -1, 2, -1, 0, 0],
    [-1, -1, -1, -1, -1, -1],
    [1, -1, 0, 2, 1, 0],
  ],
  Y: [0, 1, 2, 0, 1, 2],
};

function matrix(rows: number[][]) {
  return { L: Int8Array.from(rows.flat()), n: rows.length, m: rows[0].length };
}

function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => { expect(a).toBeCloseTo(expected[i], 12); });
}

describe('analyzeLabelMatrix: fixture A (6×6, k=3)', () => {
  const { L, n, m } = matrix(fixtureA.L);
  const a = analyzeLabelMatrix(L, n, m, 3, fixtureA.Y);

  it('matches Snorkel label coverage, overlap and conflict', () => {
    expect(a.coverage).toBeCloseTo(5 / 6, 12);
    expect(a.overlap).toBeCloseTo(4 / 6, 12);
    expect(a.conflict).toBeCloseTo(3 / 6, 12);
  });

  it('matches per-LF polarity, coverage, overlaps and conflicts in both normalisations', () => {
    expect(a.lfs.map((s) => s.polarity)).toEqual([[1, 2], [], [0, 2], [2], [0, 1], [0]]);
    expectClose(a.lfs.map((s) => s.coverage), [3 / 6, 0, 3 / 6, 2 / 6, 2 / 6, 4 / 6]);
    expectClose(a.lfs.map((s) => s.overlaps), [3 / 6, 0, 3 / 6, 1 / 6, 2 / 6, 4 / 6]);
    expectClose(a.lfs.map((s) => s.overlapsNormalized), [1, 0, 1, 1 / 2, 1, 1]);
    expectClose(a.lfs.map((s) => s.conflicts), [3 / 6, 0, 2 / 6, 1 / 6, 2 / 6, 3 / 6]);
    expectClose(a.lfs.map((s) => s.conflictsNormalized), [1, 0, 2 / 3, 1, 1, 3 / 4]);
  });

  it('matches correct, incorrect and empirical accuracy on gold', () => {
    expect(a.lfs.map((s) => s.correct)).toEqual([1, 0, 1, 1, 1, 2]);
    expect(a.lfs.map((s) => s.incorrect)).toEqual([2, 0, 2, 1, 1, 2]);
    expectClose(a.lfs.map((s) => s.empiricalAccuracy!), [1 / 3, 0, 1 / 3, 1 / 2, 1 / 2, 1 / 2]);
  });

  it('matches lf_empirical_probs (rows l = -1..2, columns y = 0..2)', () => {
    const expected = [
      [[1 / 2, 1, 0], [0, 0, 0], [1 / 2, 0, 1 / 2], [0, 0, 1 / 2]],
      [[1, 1, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
      [[0, 1, 1 / 2], [1 / 2, 0, 1 / 2], [0, 0, 0], [1 / 2, 0, 0]],
      [[1, 1 / 2, 1 / 2], [0, 0, 0], [0, 0, 0], [0, 1 / 2, 1 / 2]],
      [[1 / 2, 1, 1 / 2], [1 / 2, 0, 0], [0, 0, 1 / 2], [0, 0, 0]],
      [[0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 0, 0]],
    ];
    a.lfs.forEach((s, j) => { s.empiricalProbs!.forEach((row, l) => { expectClose(row, expected[j][l]); }); });
  });

  it('counts votes per class', () => {
    expect(a.lfs.map((s) => s.voteCounts)).toEqual([[0, 2, 1], [0, 0, 0], [2, 0, 1], [0, 0, 2], [1, 1, 0], [4, 0, 0]]);
  });
});

describe('analyzeLabelMatrix: fixture B (no abstains, labels 3..6)', () => {
  const { L, n, m } = matrix([
    [3, 3, 3, 5, 4, 3], [3, 4, 5, 5, 4, 3], [5, 3, 4, 4, 5, 3],
    [4, 4, 5, 4, 3, 3], [3, 4, 3, 5, 4, 3], [5, 3, 3, 4, 4, 3],
  ]);
  // Labels need not start at 0: k=7 makes 3..6 valid classes with 0..2 never used.
  const a = analyzeLabelMatrix(L, n, m, 7, [4, 5, 6, 4, 5, 6]);

  it('matches Snorkel polarity, full coverage/overlap/conflict, and accuracy', () => {
    expect(a.lfs.map((s) => s.polarity)).toEqual([[3, 4, 5], [3, 4], [3, 4, 5], [4, 5], [3, 4, 5], [3]]);
    for (const s of a.lfs) {
      expect([s.coverage, s.overlaps, s.conflicts]).toEqual([1, 1, 1]);
    }
    expect(a.lfs.map((s) => s.correct)).toEqual([1, 1, 1, 3, 1, 0]);
    expect(a.lfs.map((s) => s.incorrect)).toEqual([5, 5, 5, 3, 5, 6]);
    expectClose(a.lfs.map((s) => s.empiricalAccuracy!), [1 / 6, 1 / 6, 1 / 6, 1 / 2, 1 / 6, 0]);
  });
});

describe('analyzeLabelMatrix: fixture C (analysis.py docstring, 5×3)', () => {
  const { L, n, m } = matrix([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]]);
  const a = analyzeLabelMatrix(L, n, m, 2);

  it('matches every documented number', () => {
    expect([a.coverage, a.overlap, a.conflict].map((x) => +x.toFixed(12))).toEqual([0.8, 0.6, 0.2]);
    expect(a.lfs.map((s) => s.polarity)).toEqual([[0, 1], [0], [0]]);
    expectClose(a.lfs.map((s) => s.coverage), [0.4, 0.8, 0.4]);
    expectClose(a.lfs.map((s) => s.overlaps), [0.4, 0.6, 0.4]);
    expectClose(a.lfs.map((s) => s.overlapsNormalized), [1, 0.75, 1]);
    expectClose(a.lfs.map((s) => s.conflicts), [0.2, 0.2, 0]);
    expectClose(a.lfs.map((s) => s.conflictsNormalized), [0.5, 1 / 3, 0]);
    expect(a.lfs[0].correct).toBeUndefined();
  });
});

describe('analyzeLabelMatrix: input checks', () => {
  it('refuses a vote outside -1..k-1, naming the row and LF', () => {
    expect(() => analyzeLabelMatrix(Int8Array.from([0, 1, 2, -1]), 2, 2, 2)).toThrow(/Vote 2 at row 1, LF 0/);
  });
  it('refuses a length that is not n×m', () => {
    expect(() => analyzeLabelMatrix(new Int8Array(5), 2, 3, 2)).toThrow(expect.objectContaining({ code: 'BAD_SHAPE' }));
  });
  it('skips gold -1 rows in correct/incorrect, as Snorkel\'s confusion matrix does', () => {
    const a = analyzeLabelMatrix(Int8Array.from([0, 1, 0, 0]), 2, 2, 2, [-1, 0]);
    expect([a.lfs[0].correct, a.lfs[0].incorrect, a.lfs[1].correct, a.lfs[1].incorrect]).toEqual([1, 0, 1, 0]);
  });
  it('handles Int16 matrices for k > 127', () => {
    const a = analyzeLabelMatrix(Int16Array.from([200, 200, -1, 5]), 2, 2, 300);
    expect(a.lfs[0].polarity).toEqual([200]);
    expect(a.overlap).toBe(0.5);
    expect(a.conflict).toBe(0);
  });
});
