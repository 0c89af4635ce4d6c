import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseCandidate, fitAuto, WIN_RATE_NEEDED } from './auto.ts';
import type { MetricName } from './metrics.ts';
import { computeSufficientStats } from './stats.ts';
import { generateLabelMatrix, spreadLfQualities } from './synthetic.ts';

describe('auto', () => {
  const { accuracies, coverages } = spreadLfQualities(12, [0.55, 0.95], [0.1, 0.5]);
  const train = generateLabelMatrix({ n: 4000, k: 2, accuracies, coverages, seed: 21 });
  const dev = generateLabelMatrix({ n: 400, k: 2, accuracies, coverages, seed: 22 });
  const stats = computeSufficientStats(train.L, train.n, train.m, 2);

  it('reports every candidate with its dev score and its bootstrap win rate against the reference', () => {
    const result = fitAuto(stats, { seed: 1, dev: { L: dev.L, n: dev.n, Y: dev.Y } });
    expect(result.criterion).toBe('dev');
    // mv, 8 Snorkel settings (100/500 epochs × l2 0/0.1 × uniform/dev balance), FlyingSquid with the dev balance.
    expect(result.candidates.length).toBe(10);
    expect(result.candidates.at(-1)!.spec).toMatchObject({ kind: 'fs', options: { classBalance: expect.any(Float64Array) } });
    const references = result.candidates.filter((c) => c.reference);
    expect(references).toHaveLength(1);
    expect(references[0].spec).toMatchObject({ kind: 'snorkel', options: { nEpochs: 500, l2: 0, classBalance: expect.any(Float64Array) } });
    expect(references[0].winRate).toBe(0.5);
    for (const c of result.candidates) expect(c.winRate).toBeGreaterThanOrEqual(0);
    expect(result.model.kind).toBe(result.candidates[chooseCandidate(result.candidates)].spec.kind);
  });

  it('keeps the reference unless a candidate wins enough resamples, then takes the best of those', () => {
    const mv = { spec: { kind: 'mv' as const }, score: 0.9, devLogLoss: 1, winRate: WIN_RATE_NEEDED - 0.01 };
    const reference = { spec: { kind: 'snorkel' as const }, score: 0.85, devLogLoss: 1, winRate: 0.5, reference: true };
    const fs = { spec: { kind: 'fs' as const }, score: 0.88, devLogLoss: 1, winRate: WIN_RATE_NEEDED };
    expect(chooseCandidate([mv, reference])).toBe(1);
    expect(chooseCandidate([mv, reference, fs])).toBe(2);
    // Equal dev scores among the eligible: the lower dev log-loss.
    const sharper = { ...fs, devLogLoss: 0.5 };
    expect(chooseCandidate([mv, reference, fs, sharper])).toBe(3);
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
  const { readWrenchMatrix } = await import('../../test-support/wrench.ts');
  const chooseWithCandidates = (name: string, metric: MetricName = 'accuracy') => {
    const input = readWrenchMatrix(`${wrenchDir}${name}.json`);
    const train = input.splits.train!;
    const valid = input.splits.valid!;
    const stats = computeSufficientStats(train.L, train.n, train.m, input.k);
    return fitAuto(stats, { seed: 123, metric, dev: { L: valid.L, n: valid.n, Y: valid.Y! } });
  };
  const choose = (name: string, metric?: MetricName) => chooseWithCandidates(name, metric).model;

  it('picks FlyingSquid with the dev class balance on trec, where it beats the reference on every resample', () => {
    const model = choose('trec');
    expect(model.kind).toBe('fs');
    expect(model.params.classBalance).not.toEqual(Array(6).fill(1 / 6));
  });

  it('keeps the reference on youtube, where 100 epochs is 7 dev rows ahead but wins too few resamples', () => {
    const result = chooseWithCandidates('youtube');
    expect(result.model.params).toMatchObject({ nEpochs: 500, l2: 0 });
    expect(result.model.params.classBalance).not.toEqual([0.5, 0.5]);
    const best = result.candidates.reduce((a, b) => (b.score > a.score ? b : a));
    expect(best.spec).toMatchObject({ kind: 'snorkel', options: { nEpochs: 100 } });
    expect(best.winRate).toBeLessThan(WIN_RATE_NEEDED);
  });

  it('leaves the reference on sms for Snorkel without the dev class balance, which the balance sinks to F1 ≈ 2', () => {
    expect(choose('sms', 'f1_binary').params).toMatchObject({ nEpochs: 500, l2: 0, classBalance: [0.5, 0.5] });
  });

  it('on sms by default (balanced accuracy) the spam-blind reference gives way to Snorkel\'s default, never chosen itself', () => {
    const result = chooseWithCandidates('sms', 'balanced_accuracy');
    const blind = result.candidates.findIndex((c) => c.spec.kind === 'snorkel' && c.spec.options?.nEpochs === 500 && c.spec.options.l2 === 0 && c.spec.options.classBalance);
    expect(result.candidates[blind]!.ignoresClass).toBe(1);
    expect(result.candidates[blind]!.reference).toBeUndefined();
    expect(result.model.params).toMatchObject({ nEpochs: 500, l2: 0, classBalance: [0.5, 0.5] });
  });

  it('picks Snorkel with uniform balance and no l2 on semeval', () => {
    expect(choose('semeval').params).toMatchObject({ nEpochs: 100, l2: 0, classBalance: Array(9).fill(1 / 9) });
  });
});
