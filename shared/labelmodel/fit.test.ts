import { describe, expect, it } from 'vitest';
import { devSplit, fitLabelModel, predictorOf, statsOptionsFor, type FitRequest } from './fit.ts';
import { fitModel } from './models.ts';
import { snorkelWeights, type SnorkelModel } from './snorkel.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix, spreadLfQualities } from './synthetic.ts';

const { accuracies, coverages } = spreadLfQualities(6, [0.6, 0.9], [0.2, 0.6]);
const data = generateLabelMatrix({ n: 1500, k: 2, accuracies, coverages, seed: 5 });
const request = (model: FitRequest['model']): FitRequest => ({ model, seed: 3, snorkel: { epochs: 50, lr: 0.01 } });
const statsFor = (model: FitRequest['model']) => computeSufficientStats(data.L, data.n, data.m, 2, statsOptionsFor(model));

describe('fitLabelModel: one fit of a train request', () => {
  it('fits Snorkel with the request\'s epochs and seed, reports its loss and learned accuracies, and keeps numbers that predict alike', () => {
    const epochs: number[] = [];
    const fit = fitLabelModel(statsFor('snorkel'), request('snorkel'), { onEpoch: (e) => epochs.push(e) });
    const direct = fitModel(statsFor('snorkel'), { kind: 'snorkel', options: { nEpochs: 50, lr: 0.01, seed: 3 } });
    expect(fit.kind).toBe('snorkel');
    expect(fit.params).toMatchObject({ nEpochs: 50, lr: 0.01, seed: 3, l2: 0, optimizer: 'sgd' });
    expect(epochs).toHaveLength(50);
    expect(fit.finalLoss).toBe((direct.logLinear as SnorkelModel).finalLoss);
    expect(Array.from(fit.lfWeights!)).toEqual(Array.from(snorkelWeights(direct.logLinear as SnorkelModel)));
    expect(Array.from(predictorOf(fit.parameters)(data.L, data.n))).toEqual(Array.from(direct.predictProba(data.L, data.n)));
  });

  it('fits Dawid–Skene from statistics with vote patterns (statsOptionsFor asks for them)', () => {
    const fit = fitLabelModel(statsFor('ds'), request('ds'));
    expect(fit.kind).toBe('ds');
    expect(fit.parameters.kind).toBe('loglinear');
    expect(fit.lfWeights).toBeUndefined();
  });

  it('keeps majority vote as its size only', () => {
    const fit = fitLabelModel(statsFor('mv'), request('mv'));
    expect(fit.parameters).toEqual({ kind: 'mv', m: 6, k: 2 });
  });

  it('under auto, chooses on the gold rows and reports how, on the default metric', () => {
    const gold = Int32Array.from(data.Y, (y, i) => (i % 5 === 0 ? y : -1));
    const dev = devSplit(data.L, data.m, 2, gold)!;
    expect(dev.n).toBe(300);
    expect(Array.from(dev.L.subarray(6, 12))).toEqual(Array.from(data.L.subarray(5 * 6, 6 * 6)));
    const fit = fitLabelModel(statsFor('auto'), request('auto'), { dev });
    expect(fit.auto).toMatchObject({ criterion: 'dev', metric: 'balanced_accuracy' });
    expect(fit.auto!.candidates.filter((c) => c.chosen).map((c) => c.model)).toEqual([fit.kind]);
    expect(fit.lfWeights !== undefined).toBe(fit.kind === 'snorkel');
  });

  it('has no dev split without gold labels', () => {
    expect(devSplit(data.L, data.m, 2, new Int32Array(data.n).fill(-1))).toBeUndefined();
  });
});
