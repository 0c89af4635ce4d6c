import { describe, expect, it } from 'vitest';
import { fitDawidSkene } from './dawid-skene.ts';
import { predictLogLinear } from './loglinear.ts';
import { scorePredictions } from './metrics.ts';
import { probsToPreds } from './predictions.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix } from './synthetic.ts';

describe('Dawid–Skene EM', () => {
  const accuracies = [0.9, 0.8, 0.75, 0.7, 0.65, 0.6];
  const data = generateLabelMatrix({ n: 5000, k: 3, accuracies, coverages: accuracies.map(() => 0.7), classBalance: [0.5, 0.3, 0.2], seed: 4 });
  const stats = computeSufficientStats(data.L, data.n, data.m, 3, { patterns: true });

  it('recovers each LF\'s accuracy on its confusion diagonal and the class prior', () => {
    const model = fitDawidSkene(stats);
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

  it('needs the vote patterns in its statistics', () => {
    expect(() => fitDawidSkene(computeSufficientStats(data.L, data.n, data.m, 3))).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
  });
});
