// Model LFs over models kept in the object store, as a worker would run them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ColumnBatch } from '../../shared/lf/column-batch.ts';
import { linearClassifierToOnnx, ModelLfConfig } from '../../shared/onnx/index.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createModelCache, modelLfVotes, modelObjectKey } from './onnx-models.ts';

const root = mkdtempSync(join(tmpdir(), 'reef-onnx-models-'));
const store = new LocalObjectStore(root);
const models = createModelCache(store);
afterAll(async () => {
  await models.release();
  rmSync(root, { recursive: true, force: true });
});

const conceptId = '11111111-1111-4111-8111-111111111111';
const modelId = '22222222-2222-4222-8222-222222222222';
// Class 1's probability is σ(2·score − 1): above 0.5 exactly where score > 0.5.
const scorer = linearClassifierToOnnx({ features: 1, classes: 2, weights: [0, 2], bias: [0, -1] });
const batch: ColumnBatch = {
  length: 5,
  columns: { score: { type: 'float', values: Float64Array.of(0, 0.4, 0.6, 1, 0.9), nulls: Uint8Array.of(0, 0, 0, 0, 1) } },
};
const config = ModelLfConfig.parse({ model_id: modelId, columns: ['score'], output_class: 1, threshold: 0.5 });

describe('stored model LFs', () => {
  it('vote from the stored model, loaded once per process', async () => {
    await store.put(modelObjectKey(conceptId, modelId), scorer);
    expect(Array.from(await modelLfVotes(models, conceptId, config, 1, batch))).toEqual([-1, -1, 1, 1, -1]);
    expect(await models.load(conceptId, modelId)).toBe(await models.load(conceptId, modelId));
    expect(config.scores).toBe('probabilities');
  });

  it('say MODEL_NOT_FOUND for a model the concept does not have, and MODEL_NOT_ONNX for stored bytes that are not one', async () => {
    const otherId = '33333333-3333-4333-8333-333333333333';
    await expect(modelLfVotes(models, conceptId, { ...config, model_id: otherId }, 1, batch)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    await store.put(modelObjectKey(conceptId, otherId), 'not onnx');
    await expect(modelLfVotes(models, conceptId, { ...config, model_id: otherId }, 1, batch)).rejects.toMatchObject({ code: 'MODEL_NOT_ONNX' });
    // The failure is not remembered: a fixed upload under the same id loads.
    await store.put(modelObjectKey(conceptId, otherId), scorer);
    expect(Array.from(await modelLfVotes(models, conceptId, { ...config, model_id: otherId }, 0, batch))).toEqual([-1, -1, 0, 0, -1]);
  });

  it('refuse a config with a threshold outside 0..1 or no feature columns', () => {
    expect(ModelLfConfig.safeParse({ ...config, threshold: 1.5 }).success).toBe(false);
    expect(ModelLfConfig.safeParse({ ...config, columns: [] }).success).toBe(false);
    expect(ModelLfConfig.safeParse({ ...config, colums: ['score'] }).success).toBe(false);
  });
});
