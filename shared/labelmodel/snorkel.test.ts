// Snorkel 0.10 LabelModel conformance (../shared/reference/snorkel_conformance.md §2) and parity with the
// real Snorkel's outputs in ../shared/data/golden/.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { predictLogLinear } from './loglinear.ts';
import { scorePredictions } from './metrics.ts';
import { probsToPreds } from './predictions.ts';
import { breakColumnSymmetry, classBalanceFromLabels, fitSnorkel, initialMu, snorkelLoss, snorkelWeights, type SnorkelOptions } from './snorkel.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix } from './synthetic.ts';

function matrix(rows: number[][]) {
  return { L: Int8Array.from(rows.flat()), n: rows.length, m: rows[0].length };
}

function fit(rows: number[][], options: SnorkelOptions = {}, k = 2) {
  const { L, n, m } = matrix(rows);
  return fitSnorkel(computeSufficientStats(L, n, m, k), options);
}

function predict(rows: number[][], options: SnorkelOptions = {}) {
  const model = fit(rows, options);
  const { L, n } = matrix(rows);
  return Array.from(probsToPreds(predictLogLinear(model, L, n), 2, 'abstain'));
}

/** A Snorkel model whose mu is clamp(mu_init, 0.01, 0.99), as the conformance fixtures set it by hand. */
function predictWithClampedInit(rows: number[][]) {
  const { L, n, m } = matrix(rows);
  const muInit = initialMu(computeSufficientStats(L, n, m, 2), [0.5, 0.5]);
  const mu = muInit.map((x) => Math.min(0.99, Math.max(0.01, x)));
  return predictLogLinear({ m, k: 2, logTable: mu.map(Math.log), logPrior: Float64Array.of(Math.log(0.5), Math.log(0.5)) }, L, n);
}

describe('Snorkel LabelModel conformance', () => {
  it('refuses fewer than 3 LFs and votes beyond the cardinality', () => {
    expect(() => fit([[0, 1], [1, 1], [0, 1]])).toThrow(/at least 3 labeling functions/);
    const bad = matrix([[-1, 0, 1], [-1, 0, 2], [0, -1, 2], [-1, 0, -1]]);
    expect(() => computeSufficientStats(bad.L, bad.n, bad.m, 2)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('estimates the class balance from dev labels and rejects zero priors or wrong lengths', () => {
    expect(Array.from(classBalanceFromLabels(Int32Array.from([0, 0, 1, 1, 0, 0, 0, 0, 1, 1]), 2))).toEqual([0.6, 0.4]);
    expect(() => classBalanceFromLabels(Int32Array.from([0, 0, 0]), 2)).toThrow(/Does not match LabelModel cardinality/);
    expect(() => fit([[0, 1, 0], [1, 0, 1]], { classBalance: [0, 1] })).toThrow(/Class balance prior is 0/);
    expect(() => fit([[0, 1, 0], [1, 0, 1]], { classBalance: [1] })).toThrow(/class_balance has 1 entries/);
  });

  it('builds O = AᵀA/n from one-hot votes', () => {
    const { L, n, m } = matrix([[0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 1, 1]]);
    const stats = computeSufficientStats(L, n, m, 2);
    const expected = [
      [3 / 4, 0, 0, 3 / 4, 1 / 2, 1 / 4],
      [0, 1 / 4, 1 / 4, 0, 1 / 4, 0],
      [0, 1 / 4, 1 / 4, 0, 1 / 4, 0],
      [3 / 4, 0, 0, 3 / 4, 1 / 2, 1 / 4],
      [1 / 2, 1 / 4, 1 / 4, 1 / 2, 3 / 4, 0],
      [1 / 4, 0, 0, 1 / 4, 0, 1 / 4],
    ];
    const O = expected.map((row, a) => row.map((_, b) => stats.coVotes[Math.min(a, b) * 6 + Math.max(a, b)] / n));
    expect(O).toEqual(expected);
  });

  it('initialises mu from prec_init, the propensities and the class balance', () => {
    const { L, n, m } = matrix([[0, 1, 0], [0, -1, 0]]);
    const stats = computeSufficientStats(L, n, m, 2);
    const expectClose = (actual: Float64Array, expected: number[]) => expected.forEach((x, i) => { expect(actual[i]).toBeCloseTo(x, 12); });
    expectClose(initialMu(stats, [0.6, 0.4]), [1, 0, 0, 0, 0, 0, 0, 0.875, 1, 0, 0, 0]);
    expectClose(initialMu(stats, [0.3, 0.7]), [1, 0, 0, 0, 0, 0, 0, 0.5, 1, 0, 0, 0]);
    expect(() => fitSnorkel(stats, { precInit: [0.7, 0.7] })).toThrow(/prec_init must have shape 3/);
  });

  it('computes the loss: l2 term inside the norm, data term as Snorkel', () => {
    const { L, n, m } = matrix([[0, -1, 0], [0, 1, -1]]);
    const stats = computeSufficientStats(L, n, m, 2);
    const muInit = initialMu(stats, [0.5, 0.5]);
    const loss = snorkelLoss(stats, muInit.map((x) => x + 0.05), muInit, [0.5, 0.5], 1);
    expect(loss.l2).toBeCloseTo(0.03, 10);
    expect(loss.data).toBeCloseTo(0.67518, 4);
  });

  it('lowers the loss with more epochs and reports a NaN loss for a huge learning rate', () => {
    const rows = [[0, -1, 0], [0, 1, 0]];
    expect(fit(rows, { nEpochs: 10 }).finalLoss).toBeLessThanOrEqual(fit(rows, { nEpochs: 1 }).finalLoss);
    expect(() => fit(rows, { nEpochs: 10, lr: 1e8 })).toThrow(expect.objectContaining({ code: 'NAN_LOSS', message: 'Loss is NaN. Consider reducing learning rate.' }));
  });

  it('fits with sgd, adam and adamax and refuses other optimizers', () => {
    const rows = [[0, -1, 0], [0, 1, 0]];
    for (const optimizer of ['sgd', 'adam', 'adamax'] as const) expect(fit(rows, { nEpochs: 1, optimizer }).params.optimizer).toBe(optimizer);
    expect(() => fit(rows, { optimizer: 'bad_opt' as 'sgd' })).toThrow(/unrecognized optimizer 'bad_opt'/);
  });

  it('clamps mu to mu_eps, by default min(0.01, 10^-ceil(log10 n))', () => {
    const model = fit([[1, 1, 1], [1, 1, 1]], { muEps: 0.0123 });
    // cprobs[0, 1, 0] = P(LF0 votes 0 | Y = 0) = mu[0, 0]
    expect(model.mu[0]).toBe(0.0123);
    expect(fit([[1, 1, 1], [1, 1, 1]]).mu[0]).toBe(0.01);
    // No LF ever votes 0 here, so those mu entries sit on the floor: 0.001 for n = 1000.
    const rows = Array.from({ length: 1000 }, () => [1, 1, 1]);
    expect(Math.min(...fit(rows).mu)).toBeCloseTo(0.001, 12);
  });

  it('breaks the label-swap symmetry toward trusting the LFs, only among equal priors', () => {
    const binary = [0.75, 0.25, 0.25, 0.75, 0.25, 0.75, 0.15, 0.25, 0.75, 0.25, 0.25, 0.75];
    const swapped = Float64Array.from(binary.map((_, i) => binary[i % 2 === 0 ? i + 1 : i - 1]));
    expect(breakColumnSymmetry(swapped, 3, 2, Float64Array.of(0.5, 0.5))[0]).toBe(0.75);
    expect(breakColumnSymmetry(swapped, 3, 2, Float64Array.of(0.9, 0.1))[0]).toBe(0.25);

    const multi = [
      [0.75, 0.15, 0.1], [0.2, 0.75, 0.3], [0.05, 0.1, 0.6],
      [0.25, 0.55, 0.3], [0.15, 0.45, 0.4], [0.2, 0.0, 0.3],
      [0.5, 0.15, 0.2], [0.3, 0.65, 0.2], [0.2, 0.2, 0.6],
    ];
    const permuted = Float64Array.from(multi.flatMap((row) => [row[1], row[2], row[0]]));
    const uniform = breakColumnSymmetry(permuted, 3, 3, Float64Array.of(1 / 3, 1 / 3, 1 / 3));
    expect([uniform[0], uniform[4]]).toEqual([0.75, 0.75]);
    const skewed = breakColumnSymmetry(permuted, 3, 3, Float64Array.of(0.7, 0.2, 0.1));
    expect([skewed[0], skewed[4]]).toEqual([0.15, 0.3]);
  });

  it('predicts a per-row softmax: matching votes under clamp(mu_init) give 0.99/0.01', () => {
    const probs = predictWithClampedInit([[0, 1, 0], [0, 1, 0]]);
    expect(Array.from(probs).map((p) => Number(p.toFixed(10)))).toEqual([0.99, 0.01, 0.99, 0.01]);
    expect(Array.from(probsToPreds(probs, 2, 'abstain'))).toEqual([0, 0]);
  });

  it('returns the class balance for an all-abstain row', () => {
    const model = fit([[0, 0, 1], [1, 1, 0], [0, 1, 1]], { classBalance: [0.3, 0.7] });
    expect(Array.from(predictLogLinear(model, Int8Array.of(-1, -1, -1), 1)).map((p) => Number(p.toFixed(12)))).toEqual([0.3, 0.7]);
  });

  it('behaves like Snorkel on its small predict and score fixtures', () => {
    expect(predict([[-1, -1, 1], [-1, 1, -1], [0, -1, -1]], { nEpochs: 100 })).toEqual([1, 1, 0]);
    expect(predict([[-1, -1, 1], [-1, 1, 1], [1, 1, 1]], { nEpochs: 100 })).toEqual([1, 1, 1]);
    expect(predict([[-1, 1, 0], [0, -1, 1], [1, 0, -1]], { nEpochs: 100 })).toEqual([-1, -1, -1]);

    const rows = [[1, 1, 0], [-1, -1, -1], [1, 0, 1]];
    const preds = predict(rows, { nEpochs: 100 });
    expect(preds).toEqual([1, -1, 1]);
    const scores = scorePredictions(Int32Array.from(preds), Int32Array.from([1, 0, 1]), 2);
    expect([scores.accuracy, scores.coverage]).toEqual([1, 2 / 3]);

    const tied = probsToPreds(predictWithClampedInit([[1, 0, 1], [1, 0, 1]]), 2, 'abstain');
    expect(scorePredictions(tied, Int32Array.from([0, 1]), 2).accuracy).toBe(0.5);
    const flipped = scorePredictions(tied, Int32Array.from([1, 0]), 2);
    expect([flipped.accuracy, flipped.f1_binary]).toEqual([0.5, 2 / 3]);
  });

  it('recovers LF accuracies as weights (±0.1) on 1000 synthetic rows', () => {
    const accuracies = [0.95, 0.6, 0.7, 0.55, 0.8];
    const data = generateLabelMatrix({ n: 1000, k: 2, accuracies, coverages: [1, 0.8, 1, 1, 1], seed: 7 });
    const model = fitSnorkel(computeSufficientStats(data.L, data.n, data.m, 2), { nEpochs: 1000, seed: 123 });
    const weights = snorkelWeights(model);
    accuracies.forEach((a, j) => { expect(Math.abs(weights[j] - a)).toBeLessThanOrEqual(0.1); });
  });

  it('labels 10,000 synthetic rows accurately and never abstains on a row with a vote when LFs are sparse (issue #1422)', () => {
    const accuracies = [0.9, 0.85, 0.8, 0.75, 0.7, 0.7, 0.65, 0.65, 0.6, 0.6];
    const dense = generateLabelMatrix({ n: 10_000, k: 2, accuracies, coverages: accuracies.map(() => 0.9), seed: 123 });
    const denseModel = fitSnorkel(computeSufficientStats(dense.L, dense.n, dense.m, 2), { nEpochs: 200, lr: 0.01, seed: 123 });
    const denseScores = scorePredictions(probsToPreds(predictLogLinear(denseModel, dense.L, dense.n), 2, 'abstain'), dense.Y, 2);
    expect(denseScores.accuracy).toBeGreaterThanOrEqual(0.9);

    const sparse = generateLabelMatrix({ n: 10_000, k: 2, accuracies, coverages: accuracies.map(() => 0.02), seed: 123 });
    const sparseModel = fitSnorkel(computeSufficientStats(sparse.L, sparse.n, sparse.m, 2), { nEpochs: 1000, lr: 0.01, seed: 123 });
    const preds = probsToPreds(predictLogLinear(sparseModel, sparse.L, sparse.n), 2, 'abstain');
    let voted = 0;
    let predicted = 0;
    let correct = 0;
    for (let i = 0; i < sparse.n; i++) {
      if (sparse.L.subarray(i * 10, i * 10 + 10).some((v) => v >= 0)) voted++;
      if (preds[i] !== -1) {
        predicted++;
        if (preds[i] === sparse.Y[i]) correct++;
      }
    }
    expect(predicted).toBe(voted);
    expect(correct / predicted).toBeGreaterThanOrEqual(0.65);
  });

  it('is deterministic for a seed and uses numpy\'s first random() as the init scale', () => {
    const rows = [[0, 1, 0], [1, 1, 0], [0, 0, 1], [1, -1, 1]];
    expect(Array.from(fit(rows, { seed: 5 }).mu)).toEqual(Array.from(fit(rows, { seed: 5 }).mu));
    const zeroEpochs = fit(rows, { nEpochs: 0, seed: 123, muEps: 1e-9 });
    const { L, n, m } = matrix(rows);
    const init = initialMu(computeSufficientStats(L, n, m, 2), [0.5, 0.5]);
    expect(zeroEpochs.mu[0]).toBeCloseTo(init[0] * 0.6964691855978616, 12);
  });
});

const sharedDir = fileURLToPath(new URL('../../../shared/', import.meta.url));
const goldenDir = `${sharedDir}data/golden/`;

describe.skipIf(!existsSync(goldenDir))('parity with the real Snorkel (../shared/data/golden)', async () => {
  const { readWrenchMatrix } = await import('../../test-support/wrench.ts');
  const files = existsSync(goldenDir) ? readdirSync(goldenDir).filter((f) => f.endsWith('.json')) : [];

  it('has golden files to compare with', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s: test probabilities, mu and weights within 1e-4', (file) => {
    const golden = JSON.parse(readFileSync(goldenDir + file, 'utf8')) as {
      dataset: string;
      fit_kwargs: { n_epochs?: number; lr?: number; seed: number; class_balance?: number[] };
      mu: number[][];
      weights: number[];
      test_probs: number[][];
      test_pred_abstain: number[];
    };
    const input = readWrenchMatrix(`${sharedDir}data/wrench/${golden.dataset}.json`);
    const train = input.splits.train!;
    const test = input.splits.test!;
    const { k } = input;
    const kw = golden.fit_kwargs;
    const model = fitSnorkel(computeSufficientStats(train.L, train.n, train.m, k), {
      nEpochs: kw.n_epochs ?? 100,
      lr: kw.lr ?? 0.01,
      seed: kw.seed,
      classBalance: kw.class_balance,
    });
    const probs = predictLogLinear(model, test.L, test.n);
    let worst = 0;
    golden.test_probs.forEach((row, i) => { row.forEach((p, y) => { (worst = Math.max(worst, Math.abs(probs[i * k + y] - p))); }); });
    expect(worst).toBeLessThan(1e-4);
    golden.mu.forEach((row, r) => { row.forEach((v, y) => { expect(Math.abs(model.mu[r * k + y] - v)).toBeLessThan(1e-4); }); });
    const weights = snorkelWeights(model);
    golden.weights.forEach((w, j) => { expect(Math.abs(weights[j] - w)).toBeLessThan(1e-4); });
    const preds = probsToPreds(probs, k, 'abstain');
    const mismatches = golden.test_pred_abstain.filter((p, i) => p !== preds[i]).length;
    expect(mismatches).toBe(0);
  });
});
