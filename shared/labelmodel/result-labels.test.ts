// Rows no LF voted on are -1 in every result, under every tie policy (issue 11: they used to get the prior's class).
import { describe, expect, it } from 'vitest';
import { computeSufficientStats } from './stats.ts';
import { fitModel } from './models.ts';
import { probsToPreds, TIE_POLICIES } from './predictions.ts';
import { confidenceHistogram, confidences } from './confidence.ts';
import { addResultLabelCounts, countResultLabels, labelDistribution, resultLabels, votesPerRow } from './result-labels.ts';

// 6 rows × 3 LFs: rows 2 and 5 have no votes; row 3 is a 1–1 tie between class 0 and class 1.
const L = Int8Array.from([
  0, 0, -1,
  1, -1, 1,
  -1, -1, -1,
  0, 1, -1,
  -1, -1, 1,
  -1, -1, -1,
]);
const n = 6;
const m = 3;
const k = 2;

describe('votesPerRow', () => {
  it('counts the LFs that did not abstain on each row', () => {
    expect(Array.from(votesPerRow(L, n, m))).toEqual([2, 2, 0, 2, 1, 0]);
  });

  it('reads Int16 matrices (k > 127) the same way', () => {
    expect(Array.from(votesPerRow(Int16Array.from(L), n, m))).toEqual([2, 2, 0, 2, 1, 0]);
  });
});

describe('resultLabels', () => {
  // Majority vote: a row with no votes gets the model's prior, which says nothing about the row.
  const model = fitModel(computeSufficientStats(L, n, m, k), { kind: 'mv' });
  const probs = model.predictProba(L, n);
  const nVotes = votesPerRow(L, n, m);

  it('marks every row with no votes -1, under every tie policy', () => {
    for (const policy of TIE_POLICIES) {
      const labels = resultLabels(probs, k, nVotes, policy, { seed: 3 });
      expect(labels[2], policy).toBe(-1);
      expect(labels[5], policy).toBe(-1);
      expect([labels[0], labels[1], labels[4]], policy).toEqual([0, 1, 1]);
    }
  });

  it('leaves covered rows as probsToPreds labels them (ties abstain under abstain, are broken under hash)', () => {
    expect(resultLabels(probs, k, nVotes, 'abstain')[3]).toBe(-1);
    const hashed = probsToPreds(probs, k, 'hash', { rowOffset: 40 });
    expect(resultLabels(probs, k, nVotes, 'hash', { rowOffset: 40 })[3]).toBe(hashed[3]);
    expect(hashed[3]).not.toBe(-1);
  });

  it('marks an uncovered row even where the prior is decisive (it used to take the prior\'s class)', () => {
    const skewed = Float64Array.from([0.9, 0.1, 0.9, 0.1]);
    expect(Array.from(probsToPreds(skewed, 2, 'abstain'))).toEqual([0, 0]);
    expect(Array.from(resultLabels(skewed, 2, [1, 0], 'abstain'))).toEqual([0, -1]);
  });

  it('refuses n_votes of another length than the probabilities', () => {
    expect(() => resultLabels(probs, k, [1, 2], 'abstain')).toThrow(/n_votes has 2 rows, the probabilities 6/);
  });
});

describe('countResultLabels', () => {
  it('tells ties from rows no LF voted on; classes count only labeled rows', () => {
    const labels = Int32Array.from([0, 1, -1, -1, 1, -1]);
    const counts = countResultLabels(labels, votesPerRow(L, n, m), k);
    expect(counts).toEqual({ perClass: [1, 2], ties: 1, uncovered: 2 });
  });

  it('sums the counts of a result\'s parts to the counts of the whole', () => {
    const labels = Int32Array.from([0, 1, -1, -1, 1, -1]);
    const nVotes = votesPerRow(L, n, m);
    const whole = countResultLabels(labels, nVotes, k);
    const parts = addResultLabelCounts(countResultLabels(labels.subarray(0, 3), nVotes.subarray(0, 3), k), countResultLabels(labels.subarray(3), nVotes.subarray(3), k));
    expect(parts).toEqual(whole);
  });

  it('refuses a label outside -1..k-1', () => {
    expect(() => countResultLabels([0, 2], [1, 1], 2)).toThrow(/predicted_label 2 at row 1 is not -1\.\.1/);
  });
});

describe('what a browser result shows', () => {
  it('counts labels with unlabeled rows, then rows no LF voted on, last', () => {
    expect(labelDistribution(Int32Array.from([0, -1, 1]), Int32Array.from([2, 2, 1]), 2)).toEqual([1, 1, 1, 0]);
    // Row 2 had no votes: its label is -1 (whatever the prior said), counted as "no votes", not as a tie.
    expect(labelDistribution(Int32Array.from([0, -1, -1]), Int32Array.from([2, 2, 0]), 2)).toEqual([1, 0, 1, 1]);
  });

  it('takes the top probability as confidence and bins it over [1/k, 1]', () => {
    expect(Array.from(confidences(Float64Array.from([0.9, 0.1, 0.5, 0.5, 0.2, 0.8]), 2))).toEqual([0.9, 0.5, 0.8]);
    expect(confidenceHistogram(Float64Array.from([0.5, 0.85, 1]), 2, 5)).toEqual([1, 0, 0, 1, 1]);
    // With votes per row, the rows no LF voted on are left out.
    expect(confidenceHistogram(Float64Array.from([0.5, 0.85, 1]), 2, 5, Int32Array.from([0, 3, 1]))).toEqual([0, 0, 0, 1, 1]);
  });
});
