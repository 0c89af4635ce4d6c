import { describe, expect, it } from 'vitest';
import { predictLogLinear } from './loglinear.ts';
import { fitSnorkel } from './snorkel.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix, spreadLfQualities } from './synthetic.ts';

describe('predictLogLinear', () => {
  it('gives the same binary probabilities reading four votes at a time as one at a time, for any row width', () => {
    for (const m of [3, 5, 7, 50]) {
      const q = spreadLfQualities(m, [0.6, 0.9], [0.05, 0.6]);
      const data = generateLabelMatrix({ n: 999, k: 2, ...q, seed: m });
      const model = fitSnorkel(computeSufficientStats(data.L, data.n, m, 2), { seed: 1 });
      const fast = predictLogLinear(model, data.L, data.n);
      const slow = predictLogLinear(model, Int16Array.from(data.L), data.n);
      fast.forEach((p, i) => { expect(Math.abs(p - slow[i])).toBeLessThan(1e-12); });
    }
  });

  it('returns the prior for an all-abstain row and a softmax over k classes otherwise', () => {
    const logTable = new Float64Array(3 * 3 * 3).fill(Math.log(0.1));
    for (let j = 0; j < 3; j++) for (let y = 0; y < 3; y++) logTable[(j * 3 + y) * 3 + y] = Math.log(0.8);
    const model = { m: 3, k: 3, logTable, logPrior: Float64Array.from([0.2, 0.3, 0.5], Math.log) };
    const probs = predictLogLinear(model, Int8Array.from([-1, -1, -1, 2, 2, -1]), 2);
    expect(Array.from(probs.subarray(0, 3)).map((p) => Number(p.toFixed(12)))).toEqual([0.2, 0.3, 0.5]);
    const z = 0.2 * 0.01 + 0.3 * 0.01 + 0.5 * 0.64;
    expect(probs[5]).toBeCloseTo((0.5 * 0.64) / z, 12);
  });
});
