// Model LFs on models the test writes itself (MatMul + Add + Softmax over feature columns), run by onnxruntime-node
// (the server) and onnxruntime-web's wasm build (the browser worker): the same votes from both.
import { describe, expect, it } from 'vitest';
import type { BatchColumn, ColumnBatch } from '../lf/column-batch.ts';
import { evaluateModelLf, linearClassifierToOnnx, loadOnnxModel, type LinearClassifier, type ModelLfSpec } from './index.ts';
import { RUNTIMES } from '../../test-support/onnx-runtimes.ts';

const N = 1000;
const float = (values: number[], nulls?: number[]): BatchColumn => ({
  type: 'float', values: Float64Array.from(values), nulls: nulls ? Uint8Array.from({ length: values.length }, (_, i) => (nulls.includes(i) ? 1 : 0)) : null,
});
const x1 = Array.from({ length: N }, (_, i) => Math.sin(i * 0.37) * 3);
const x2 = Array.from({ length: N }, (_, i) => ((i * 7919) % 101) / 25 - 2);
const batch: ColumnBatch = {
  length: N,
  columns: {
    x1: float(x1), x2: float(x2),
    text: { type: 'string', text: '', offsets: new Int32Array(N + 1), nulls: null, hasNewline: false },
  },
};
// Three classes: class 2 rises with x1 and falls with x2.
const classifier: LinearClassifier = { features: 2, classes: 3, weights: [-1, 0.2, 1.5, 0.5, 0.1, -1.2], bias: [0.1, -0.2, 0.3] };

function expectedProbability(i: number, y: number): number {
  const { weights: w, bias: b } = classifier;
  const scores = [0, 1, 2].map((c) => x1[i]! * w[c]! + x2[i]! * w[3 + c]! + b[c]!);
  const max = Math.max(...scores);
  const z = scores.reduce((s, v) => s + Math.exp(v - max), 0);
  return Math.exp(scores[y]! - max) / z;
}

const spec: ModelLfSpec = { columns: ['x1', 'x2'], output_class: 2, label: 1, threshold: 0.6 };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe.each(RUNTIMES)('model LFs in %s', (_name, ort) => {
  it('vote the label where the chosen class reaches the threshold, the same in any batch size', async () => {
    const model = await loadOnnxModel(ort, linearClassifierToOnnx(classifier));
    expect(model.inputs).toEqual([{ name: 'features', type: 'float32', shape: ['N', 2] }]);
    const votes = await evaluateModelLf(ort, model, spec, batch, { batchRows: 64 });
    let checked = 0;
    for (let i = 0; i < N; i++) {
      const p = expectedProbability(i, 2);
      // float32 inside the model: rows within 1e-5 of the threshold may round either way.
      if (Math.abs(p - spec.threshold) < 1e-5) continue;
      expect(votes[i], `row ${i}, p=${p}`).toBe(p >= spec.threshold ? 1 : -1);
      checked++;
    }
    expect(checked).toBeGreaterThan(990);
    const voted = votes.filter((v) => v === 1).length;
    expect(voted).toBeGreaterThan(100);
    expect(voted).toBeLessThan(N - 100);
    expect(Array.from(await evaluateModelLf(ort, model, spec, batch, { batchRows: 1000 }))).toEqual(Array.from(votes));
  });

  it('read logits through a softmax, and abstain on rows with a null feature', async () => {
    const model = await loadOnnxModel(ort, linearClassifierToOnnx({ ...classifier, output: 'logits' }));
    const withNulls: ColumnBatch = { length: N, columns: { x1: float(x1, [3, 500]), x2: float(x2, [999]) } };
    const votes = await evaluateModelLf(ort, model, { ...spec, scores: 'logits' }, withNulls, { batchRows: 128 });
    const probabilities = await evaluateModelLf(ort, await loadOnnxModel(ort, linearClassifierToOnnx(classifier)), spec, batch);
    for (const i of [3, 500, 999]) expect(votes[i]).toBe(-1);
    const differing = Array.from(votes).filter((v, i) => ![3, 500, 999].includes(i) && v !== probabilities[i]).length;
    expect(differing).toBe(0);
  });

  it('refuse bad models and mappings with a code naming what is wrong', async () => {
    expect(await codeOf(loadOnnxModel(ort, new TextEncoder().encode('not a model at all')))).toBe('MODEL_NOT_ONNX');
    const model = await loadOnnxModel(ort, linearClassifierToOnnx(classifier));
    expect(await codeOf(evaluateModelLf(ort, model, { ...spec, columns: ['x1'] }, batch))).toBe('MODEL_INPUT_SHAPE');
    expect(await codeOf(evaluateModelLf(ort, model, { ...spec, columns: ['x1', 'missing'] }, batch))).toBe('MODEL_MISSING_COLUMN');
    expect(await codeOf(evaluateModelLf(ort, model, { ...spec, columns: ['x1', 'text'] }, batch))).toBe('MODEL_COLUMN_TYPE');
    expect(await codeOf(evaluateModelLf(ort, model, { ...spec, output_class: 3 }, batch))).toBe('MODEL_OUTPUT_SHAPE');
    expect(await codeOf(evaluateModelLf(ort, model, { ...spec, input: 'pixels' }, batch))).toBe('MODEL_INPUT_SHAPE');
    const fixedWidth = await loadOnnxModel(ort, linearClassifierToOnnx({ ...classifier, features: 3, weights: [...Array.from(classifier.weights), 0, 0, 0] }));
    const wrongWidth = evaluateModelLf(ort, fixedWidth, spec, batch);
    await expect(wrongWidth).rejects.toMatchObject({ code: 'MODEL_INPUT_SHAPE', message: expect.stringContaining('[rows, 2]') });
  });

  it('stop with MODEL_NAN_OUTPUT naming the first row the model returns NaN for', async () => {
    // Sqrt of a negative feature is NaN, so the first row with one is the first NaN output.
    const model = await loadOnnxModel(ort, linearClassifierToOnnx({ ...classifier, preprocess: 'Sqrt' }));
    const firstNegative = x1.findIndex((v, i) => v < 0 || x2[i]! < 0);
    await expect(evaluateModelLf(ort, model, spec, batch, { batchRows: 100 })).rejects.toMatchObject({
      code: 'MODEL_NAN_OUTPUT', details: { row: firstNegative },
    });
  });
});

describe('model LFs across runtimes', () => {
  it('onnxruntime-node and onnxruntime-web vote the same on every row', async () => {
    const bytes = linearClassifierToOnnx(classifier);
    const [[, node], [, web]] = RUNTIMES;
    const nodeVotes = await evaluateModelLf(node!, await loadOnnxModel(node!, bytes), spec, batch, { batchRows: 300 });
    const webVotes = await evaluateModelLf(web!, await loadOnnxModel(web!, bytes), spec, batch, { batchRows: 300 });
    expect(Array.from(webVotes)).toEqual(Array.from(nodeVotes));
    expect(nodeVotes.filter((v) => v === 1).length).toBeGreaterThan(100);
  });
});
