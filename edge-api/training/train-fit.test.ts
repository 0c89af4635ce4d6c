// A server run keeps its fitted model as numbers: FlyingSquid, asked for or chosen by auto, must come back as FlyingSquid.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitModel, predictorOf, WIN_RATE_NEEDED } from '../../shared/labelmodel/index.ts';
import { readWrenchMatrix } from '../../test-support/wrench.ts';
import { fitRunModel } from './train-fit.ts';
import type { TrainParams } from './train-spec.ts';
import { mergeAllStats, unitContribution } from './train-votes.ts';

const wrenchDir = fileURLToPath(new URL('../../../shared/data/wrench/', import.meta.url));

describe.skipIf(!existsSync(`${wrenchDir}trec.json`))('fitRunModel with FlyingSquid', () => {
  it('refits the FlyingSquid model auto chose on trec (gold rows as dev) and predicts with it', () => {
    const input = readWrenchMatrix(`${wrenchDir}trec.json`);
    const { k } = input;
    const train = input.splits.train!;
    const valid = input.splits.valid!;
    const m = train.m;
    const contributions = [
      unitContribution(train.L, train.n, m, k, { patterns: false, problems: [] }),
      unitContribution(valid.L, valid.n, m, k, { gold: Int16Array.from(valid.Y!), patterns: false, problems: [] }),
    ];
    const params = { request: { model: 'auto', seed: 123, tie_break: 'hash', snorkel: { epochs: 100, lr: 0.01, l2: 0, optimizer: 'sgd' } } } as unknown as TrainParams;
    const { model, report } = fitRunModel(params, contributions);
    expect(report.model).toBe('fs');
    expect(report.candidates!.find((c) => c.model === 'fs')!.params).toHaveProperty('classBalance');
    // The report says how: FlyingSquid chosen, having beaten the reference on (nearly) every resample.
    const chosen = report.candidates!.filter((c) => c.chosen);
    expect(chosen.map((c) => c.model)).toEqual(['fs']);
    expect(chosen[0]!.win_rate).toBeGreaterThanOrEqual(WIN_RATE_NEEDED);
    expect(report.candidates!.filter((c) => c.reference).map((c) => c.params)).toMatchObject([{ nEpochs: 500, l2: 0 }]);
    // The kept numbers predict exactly as the FlyingSquid model fitted directly on the same statistics.
    const stats = mergeAllStats(contributions.map((c) => c.stats));
    const direct = fitModel(stats, { kind: 'fs', options: { classBalance: report.params.classBalance as number[] } });
    expect(Array.from(predictorOf(model)(valid.L, valid.n))).toEqual(Array.from(direct.predictProba(valid.L, valid.n)));
  });

  it('fits FlyingSquid when a run asks for it (model "fs"), uniform class balance', () => {
    const input = readWrenchMatrix(`${wrenchDir}trec.json`);
    const train = input.splits.train!;
    const contributions = [unitContribution(train.L, train.n, train.m, input.k, { patterns: false, problems: [] })];
    const params = { request: { model: 'fs', seed: 123, tie_break: 'hash', snorkel: { epochs: 100, lr: 0.01, l2: 0, optimizer: 'sgd' } } } as unknown as TrainParams;
    const { model, report } = fitRunModel(params, contributions);
    expect(report.model).toBe('fs');
    const direct = fitModel(mergeAllStats(contributions.map((c) => c.stats)), { kind: 'fs' });
    expect(Array.from(predictorOf(model)(train.L, 50))).toEqual(Array.from(direct.predictProba(train.L, 50)));
  });
});
