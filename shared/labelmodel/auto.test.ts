import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitAuto } from './auto.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix, spreadLfQualities } from './synthetic.ts';

describe('auto', () => {
  const { accuracies, coverages } = spreadLfQualities(12, [0.55, 0.95], [0.1, 0.5]);
  const train = generateLabelMatrix({ n: 4000, k: 2, accuracies, coverages, seed: 21 });
  const dev = generateLabelMatrix({ n: 400, k: 2, accuracies, coverages, seed: 22 });
  const stats = computeSufficientStats(train.L, train.n, train.m, 2);

  it('keeps the candidate with the best dev score, and reports every candidate', () => {
    const result = fitAuto(stats, { seed: 1, dev: { L: dev.L, n: dev.n, Y: dev.Y } });
    expect(result.criterion).toBe('dev');
    // mv, 8 Snorkel settings (100/500 epochs × l2 0/0.1 × uniform/dev balance), FlyingSquid with the dev balance.
    expect(result.candidates.length).toBe(10);
    expect(result.candidates.at(-1)!.spec).toMatchObject({ kind: 'fs', options: { classBalance: expect.any(Float64Array) } });
    const best = Math.max(...result.candidates.map((c) => c.score));
    const chosen = result.candidates.find((c) => c.spec.kind === result.model.kind && c.score === best);
    expect(chosen).toBeDefined();
    // LFs of unequal accuracy, conditionally independent: a weighted model beats an unweighted vote (here
    // FlyingSquid, dev accuracy 0.9075, ahead of Snorkel's best 0.9025 and majority vote's 0.8725).
    expect(result.model.kind).toBe('fs');
  });

  it('falls back to majority vote with fewer than 3 LFs', () => {
    const two = computeSufficientStats(Int8Array.from([0, 0, 1, -1, 1, 1]), 3, 2, 2);
    const result = fitAuto(two, { seed: 1 });
    expect([result.model.kind, result.criterion]).toEqual(['mv', 'too-few-lfs']);
  });

  it('without dev labels uses the Snorkel tutorial configuration (sgd, 500 epochs)', () => {
    const result = fitAuto(stats, { seed: 1 });
    expect(result.criterion).toBe('no-dev-default');
    expect(result.model.params).toMatchObject({ optimizer: 'sgd', nEpochs: 500, lr: 0.01, seed: 1 });
  });
});

const wrenchDir = fileURLToPath(new URL('../../../shared/data/wrench/', import.meta.url));

describe.skipIf(!existsSync(wrenchDir))('auto on WRENCH dev splits', async () => {
  const { readLabelMatrixInput } = await import('../../cli/matrix-input.ts');
  const choose = (name: string) => {
    const input = readLabelMatrixInput({ matrix: `${wrenchDir}${name}.json` });
    const train = input.splits.train!;
    const valid = input.splits.valid!;
    const stats = computeSufficientStats(train.L, train.n, train.m, input.k);
    return fitAuto(stats, { seed: 123, dev: { L: valid.L, n: valid.n, Y: valid.Y! } }).model;
  };

  it('picks FlyingSquid with the dev class balance on trec, where Snorkel and majority vote lose to it on dev', () => {
    const model = choose('trec');
    expect(model.kind).toBe('fs');
    expect(model.params.classBalance).not.toEqual(Array(6).fill(1 / 6));
  });

  it('keeps Snorkel on sms and youtube, where FlyingSquid loses on dev', () => {
    expect(choose('sms').kind).toBe('snorkel');
    expect(choose('youtube').kind).not.toBe('fs');
  });

  it('picks Snorkel with uniform balance and no l2 on semeval', () => {
    expect(choose('semeval').params).toMatchObject({ nEpochs: 100, l2: 0, classBalance: Array(9).fill(1 / 9) });
  });
});
