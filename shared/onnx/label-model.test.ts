// The exported label models, run by onnxruntime-node and by onnxruntime-web's wasm build, give the TypeScript
// models' probabilities.
import { describe, expect, it } from 'vitest';
import {
  computeSufficientStats, fitDawidSkene, fitSnorkel, majorityVoteProbs, predictLogLinear, type LabelArray,
} from '../labelmodel/index.ts';
import { generateLabelMatrix } from '../labelmodel/synthetic.ts';
import { labelModelToOnnx, PROBABILITIES_OUTPUT, VOTES_INPUT, type LabelModelParameters } from './index.ts';
import { RUNTIMES, type TestRuntime } from '../../test-support/onnx-runtimes.ts';

async function runExported(ort: TestRuntime, bytes: Uint8Array, L: LabelArray, n: number, m: number): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes);
  const votes = new ort.Tensor('int64', BigInt64Array.from(L, BigInt), [n, m]);
  const out = await session.run({ [VOTES_INPUT]: votes });
  return out[PROBABILITIES_OUTPUT]!.data as Float64Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const binary = generateLabelMatrix({ n: 3000, k: 2, accuracies: [0.9, 0.8, 0.7, 0.65, 0.6], coverages: [0.5, 0.4, 0.6, 0.3, 0.7], classBalance: [0.3, 0.7], seed: 7 });
const multi = generateLabelMatrix({ n: 3000, k: 4, accuracies: [0.85, 0.75, 0.7, 0.6, 0.55, 0.8], coverages: [0.6, 0.5, 0.4, 0.7, 0.3, 0.2], seed: 11 });

describe.each(RUNTIMES)('exported label models in %s', (_name, ort) => {
  describe.each([['binary', binary], ['4 classes', multi]])('%s', (_data, { L, n, m, k }) => {
    const stats = computeSufficientStats(L, n, m, k, { patterns: true });

    it('Snorkel: reproduces predict_proba to 1e-12', async () => {
      const model = fitSnorkel(stats, { nEpochs: 200, lr: 0.01, seed: 3 });
      const exported = await runExported(ort, labelModelToOnnx(keptParameters(model)), L, n, m);
      expect(maxAbsDiff(exported, predictLogLinear(model, L, n))).toBeLessThan(1e-12);
    });

    it('Dawid–Skene: reproduces predict_proba to 1e-12', async () => {
      const model = fitDawidSkene(stats);
      const exported = await runExported(ort, labelModelToOnnx(keptParameters(model)), L, n, m);
      expect(maxAbsDiff(exported, predictLogLinear(model, L, n))).toBeLessThan(1e-12);
    });

    it('majority vote: gives exactly the tie-sharing probabilities', async () => {
      const exported = await runExported(ort, labelModelToOnnx({ kind: 'mv', m, k }), L, n, m);
      expect(Array.from(exported)).toEqual(Array.from(majorityVoteProbs(L, n, m, k)));
    });
  });

  it('all-abstain rows get the prior (log-linear) or a uniform share (majority vote); ties split evenly', async () => {
    const m = 3;
    const k = 3;
    const L = Int8Array.from([-1, -1, -1, 0, 1, -1, 2, 2, 1]);
    const logPrior = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const logTable = Array.from({ length: m * k * k }, (_, i) => Math.log(0.1 + ((i * 7) % 10) / 12));
    const loglinear: LabelModelParameters = { kind: 'loglinear', m, k, logTable, logPrior };
    const probs = await runExported(ort, labelModelToOnnx(loglinear), L, 3, m);
    expect(Array.from(probs.subarray(0, 3)).map((p) => +p.toFixed(12))).toEqual([0.5, 0.3, 0.2]);
    const mv = await runExported(ort, labelModelToOnnx({ kind: 'mv', m, k }), L, 3, m);
    expect(Array.from(mv)).toEqual([1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0, 0, 0, 1]);
  });

  it('an empty vote matrix gives an empty probability matrix', async () => {
    const probs = await runExported(ort, labelModelToOnnx({ kind: 'mv', m: 3, k: 2 }), new Int8Array(0), 0, 3);
    expect(probs.length).toBe(0);
  });

  it('names its input and output as documented, with the LF count fixed', async () => {
    const bytes = labelModelToOnnx({ kind: 'mv', m: 2, k: 2 }, { classes: ['ham', 'spam'], lfs: ['has_link', 'short'], metadata: { 'reef.model': 'mv' } });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual([VOTES_INPUT]);
    expect(session.outputNames).toEqual([PROBABILITIES_OUTPUT]);
    expect(session.inputMetadata[0]).toMatchObject({ isTensor: true, type: 'int64', shape: ['N', 2] });
  });
});

describe('label model export refuses what it cannot write', () => {
  it('names a non-finite parameter, a table of the wrong size, and class names that do not match k', () => {
    const logPrior = [Math.log(0.5), Math.log(0.5)];
    expect(() => labelModelToOnnx({ kind: 'loglinear', m: 1, k: 2, logTable: [0, -Infinity, 0, 0], logPrior }))
      .toThrow(/logTable\[1\] is -Infinity/);
    expect(() => labelModelToOnnx({ kind: 'loglinear', m: 2, k: 2, logTable: [0, 0, 0, 0], logPrior })).toThrow(/4 entries, expected 8/);
    expect(() => labelModelToOnnx({ kind: 'mv', m: 2, k: 3 }, { classes: ['a', 'b'] })).toThrow(/3 classes but 2 class names/);
  });
});

/** A fitted model as a run keeps it (shared/schema/label-model.ts): its tables as plain arrays. */
function keptParameters(model: { m: number; k: number; logTable: Float64Array; logPrior: Float64Array }): LabelModelParameters {
  return { kind: 'loglinear', m: model.m, k: model.k, logTable: Array.from(model.logTable), logPrior: Array.from(model.logPrior) };
}
