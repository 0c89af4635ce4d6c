import { describe, expect, it } from 'vitest';
import { fitFlyingSquid } from './flying-squid.ts';
import { predictLogLinear } from './loglinear.ts';
import { fitModel } from './models.ts';
import { scorePredictions } from './metrics.ts';
import { probsToPreds } from './predictions.ts';
import { computeSufficientStats, mergeStats } from './stats.ts';
import { generateLabelMatrix } from './synthetic.ts';

const accuracies = [0.9, 0.8, 0.75, 0.7, 0.65, 0.6];
const coverages = [0.9, 0.5, 0.7, 0.3, 0.8, 0.6];
const balance = [0.4, 0.6];

describe('FlyingSquid triplet method, binary', () => {
  const data = generateLabelMatrix({ n: 20000, k: 2, accuracies, coverages, classBalance: balance, seed: 4 });
  const stats = computeSufficientStats(data.L, data.n, data.m, 2);
  const model = fitFlyingSquid(stats, { classBalance: balance });

  it('recovers each LF\'s accuracy and E[λY] = coverage·(2·accuracy − 1) in closed form', () => {
    expect(model.tasks).toBe(1);
    expect(model.unestimated).toEqual([]);
    accuracies.forEach((a, j) => {
      expect(Math.abs(model.accuracies[j] - a)).toBeLessThan(0.02);
      expect(Math.abs(model.accuracyMoments[j] - coverages[j] * (2 * a - 1))).toBeLessThan(0.03);
    });
  });

  it('recovers them with triplet_median too', () => {
    const median = fitFlyingSquid(stats, { classBalance: balance, aggregate: 'median' });
    accuracies.forEach((a, j) => { expect(Math.abs(median.accuracies[j] - a)).toBeLessThan(0.02); });
  });

  it('predicts the posterior that the true parameters give', () => {
    const probs = predictLogLinear(model, data.L, data.n);
    let worst = 0;
    let total = 0;
    for (let i = 0; i < data.n; i++) {
      // P(Y=1 | λ) with the generating accuracies: a vote is right with probability a_j, abstaining says nothing.
      let logOdds = Math.log(balance[1] / balance[0]);
      for (let j = 0; j < data.m; j++) {
        const v = data.L[i * data.m + j];
        if (v >= 0) logOdds += (v === 1 ? 1 : -1) * Math.log(accuracies[j] / (1 - accuracies[j]));
      }
      const gap = Math.abs(probs[i * 2 + 1] - 1 / (1 + Math.exp(-logOdds)));
      worst = Math.max(worst, gap);
      total += gap;
    }
    // Measured: mean 0.009, worst 0.051 (the rarest vote patterns, where a 1-point accuracy error compounds).
    expect(total / data.n).toBeLessThan(0.015);
    expect(worst).toBeLessThan(0.07);
  });

  it('labels better than majority vote', () => {
    const accuracy = (probs: Float64Array) => scorePredictions(probsToPreds(probs, 2, 'hash'), data.Y, 2).accuracy;
    const fs = accuracy(fitModel(stats, { kind: 'fs', options: { classBalance: balance } }).predictProba(data.L, data.n));
    const mv = accuracy(fitModel(stats, { kind: 'mv' }).predictProba(data.L, data.n));
    expect(fs).toBeGreaterThan(mv + 0.03);
  });

  it('is deterministic and gives the same model from statistics merged over partitions', () => {
    const cut = 7000;
    const a = computeSufficientStats(data.L.subarray(0, cut * data.m), cut, data.m, 2);
    const b = computeSufficientStats(data.L.subarray(cut * data.m), data.n - cut, data.m, 2);
    const merged = fitFlyingSquid(mergeStats(a, b), { classBalance: balance });
    expect(Array.from(merged.logTable)).toEqual(Array.from(model.logTable));
    expect(Array.from(merged.logPrior)).toEqual(Array.from(model.logPrior));
    expect(Array.from(fitFlyingSquid(stats, { classBalance: balance }).logTable)).toEqual(Array.from(model.logTable));
  });
});

describe('FlyingSquid triplet method, k > 2 (one-vs-rest)', () => {
  const data = generateLabelMatrix({ n: 6000, k: 3, accuracies, coverages: accuracies.map(() => 0.7), classBalance: [0.5, 0.3, 0.2], seed: 9 });
  const stats = computeSufficientStats(data.L, data.n, data.m, 3);

  it('fits one binary task per class and labels far above chance', () => {
    const model = fitFlyingSquid(stats);
    expect(model.tasks).toBe(3);
    const scores = scorePredictions(probsToPreds(predictLogLinear(model, data.L, data.n), 3, 'hash'), data.Y, 3);
    expect(scores.accuracy).toBeGreaterThan(0.8);
  });

  it('ranks classes by their one-vs-rest log-odds, so hard labels match WRENCH\'s softmax of the binary posteriors', () => {
    const model = fitFlyingSquid(stats);
    const row = Int8Array.from([0, 0, 1, -1, 2, 0]);
    const probs = predictLogLinear(model, row, 1);
    const logOdds = [0, 1, 2].map((c) => {
      let s = model.logPrior[c];
      row.forEach((v, j) => { if (v >= 0) s += model.logTable[(j * 3 + v) * 3 + c]; });
      return s;
    });
    const posteriors = logOdds.map((s) => 1 / (1 + Math.exp(-s)));
    const wrench = posteriors.map((p) => Math.exp(p) / posteriors.reduce((z, q) => z + Math.exp(q), 0));
    const argmax = (xs: ArrayLike<number>) => Array.from(xs).indexOf(Math.max(...Array.from(xs)));
    expect(argmax(probs)).toBe(argmax(wrench));
    const softmax = logOdds.map((s) => Math.exp(s) / logOdds.reduce((z, q) => z + Math.exp(q), 0));
    softmax.forEach((p, c) => { expect(probs[c]).toBeCloseTo(p, 12); });
  });
});

describe('FlyingSquid bad input', () => {
  const data = generateLabelMatrix({ n: 500, k: 2, accuracies, coverages, seed: 2 });
  const stats = computeSufficientStats(data.L, data.n, data.m, 2);

  it('needs at least 3 LFs and some rows', () => {
    const two = computeSufficientStats(Int8Array.from([0, 0, 1, -1, 1, 1]), 3, 2, 2);
    expect(() => fitFlyingSquid(two)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => fitModel(two, { kind: 'fs' })).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(/at least 3/) }));
    expect(() => fitFlyingSquid(computeSufficientStats(new Int8Array(0), 0, 4, 2))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('refuses a class balance of the wrong length or outside (0, 1), and an unknown aggregate', () => {
    expect(() => fitFlyingSquid(stats, { classBalance: [0.2, 0.3, 0.5] })).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
    expect(() => fitFlyingSquid(stats, { classBalance: [0, 1] })).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
    expect(() => fitFlyingSquid(stats, { aggregate: 'max' as 'mean' })).toThrow(expect.objectContaining({ code: 'BAD_PARAMS' }));
  });

  it('names the LFs it could not estimate (no triplet of co-voting LFs) and keeps their votes finite', () => {
    // LF 3 votes only where the others abstain: every moment with it is 0.
    const rows = [
      [1, 1, 1, -1], [0, 0, 1, -1], [1, 1, 0, -1], [0, 0, 0, -1], [1, 0, 1, -1], [-1, -1, -1, 1], [-1, -1, -1, 0],
    ];
    const L = Int8Array.from(rows.flat());
    const model = fitFlyingSquid(computeSufficientStats(L, rows.length, 4, 2));
    expect(model.unestimated).toEqual([3]);
    expect(model.logTable.every(Number.isFinite)).toBe(true);
  });
});
