import { describe, expect, it } from 'vitest';
import { fitDawidSkene } from './dawid-skene.ts';
import { predictLogLinear } from './loglinear.ts';
import { NumpyRandomState } from './random.ts';
import { scorePredictions } from './metrics.ts';
import { probsToPreds } from './predictions.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix } from './synthetic.ts';

describe('Dawid–Skene EM', () => {
  const accuracies = [0.9, 0.8, 0.75, 0.7, 0.65, 0.6];
  const data = generateLabelMatrix({ n: 5000, k: 3, accuracies, coverages: accuracies.map(() => 0.7), classBalance: [0.5, 0.3, 0.2], seed: 4 });
  const stats = computeSufficientStats(data.L, data.n, data.m, 3, { patterns: true });

  it('recovers each LF\'s accuracy on its confusion diagonal and the class prior (abstains as missing, as WRENCH)', () => {
    const model = fitDawidSkene(stats, { abstainAsVote: false });
    accuracies.forEach((a, j) => {
      for (let y = 0; y < 3; y++) expect(Math.abs(model.confusion[(j * 3 + y) * 3 + y] - a)).toBeLessThan(0.05);
    });
    [0.5, 0.3, 0.2].forEach((p, y) => { expect(Math.abs(model.classPrior[y] - p)).toBeLessThan(0.03); });
  });

  it('labels better than the best single LF', () => {
    for (const abstainAsVote of [false, true]) {
      const model = fitDawidSkene(stats, { abstainAsVote });
      const scores = scorePredictions(probsToPreds(predictLogLinear(model, data.L, data.n), 3, 'hash'), data.Y, 3);
      expect(scores.accuracy).toBeGreaterThan(0.9);
    }
  });

  it('counts an abstain as a response by default, so single-polarity LFs carry evidence', () => {
    // Each LF votes only its own class, when it sees it (0.6 of the time) or by mistake (0.1): with abstains as
    // missing every LF always "agrees" with itself and nothing separates the classes.
    const n = 4000;
    const Y = Int32Array.from({ length: n }, (_, i) => i % 2);
    const L = new Int8Array(n * 4).fill(-1);
    const rng = new NumpyRandomState(7);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) {
        const own = j % 2;
        if (rng.random() < (Y[i] === own ? 0.6 : 0.1)) L[i * 4 + j] = own;
      }
    }
    const singlePolarity = computeSufficientStats(L, n, 4, 2, { patterns: true });
    const accuracy = (options: { abstainAsVote?: boolean }) => {
      const model = fitDawidSkene(singlePolarity, options);
      return { model, accuracy: scorePredictions(probsToPreds(predictLogLinear(model, L, n), 2, 'hash'), Y, 2).accuracy };
    };
    const byDefault = accuracy({});
    expect(byDefault.model.params.abstainAsVote).toBe(true);
    expect(byDefault.accuracy).toBeGreaterThan(0.75);
    expect(accuracy({ abstainAsVote: false }).accuracy).toBeLessThan(byDefault.accuracy - 0.1);
  });

  it('needs the vote patterns in its statistics', () => {
    expect(() => fitDawidSkene(computeSufficientStats(data.L, data.n, data.m, 3))).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
  });
});
