// Uploaded ONNX models as a process holds them: stored under models/{concept}/{model_id}/ in the object store, loaded
// into onnxruntime-node once per process (a worker votes many units with the same model), and run as model LFs.
import type { ColumnBatch } from '../../shared/lf/column-batch.ts';
import { evaluateModelLf, loadOnnxModel, ModelLfError, type LoadedModel, type ModelLfConfig, type TensorInfo } from '../../shared/onnx/index.ts';
import type { ObjectStore } from '../storage/index.ts';
import { loadOnnxRuntime } from './onnx-runtime.ts';

export const modelsPrefix = (conceptId: string) => `models/${conceptId}/`;
export const modelObjectKey = (conceptId: string, modelId: string) => `${modelsPrefix(conceptId)}${modelId}/model.onnx`;
export const modelInfoKey = (conceptId: string, modelId: string) => `${modelsPrefix(conceptId)}${modelId}/model.json`;

/** What an upload stored beside the model (POST /api/concepts/{c_id}/models): its tensors as onnxruntime read them. */
export interface StoredModelInfo {
  model_id: string;
  c_id: string;
  name: string;
  bytes: number;
  sha256: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  uploaded_at: string;
}

/** The uploaded model's description, or undefined when the concept has no such model. */
export async function readModelInfo(store: ObjectStore, conceptId: string, modelId: string): Promise<StoredModelInfo | undefined> {
  const key = modelInfoKey(conceptId, modelId);
  if (!(await store.head(key))) return undefined;
  return JSON.parse(new TextDecoder().decode(await store.getBytes(key))) as StoredModelInfo;
}

export interface ModelCache {
  /** The uploaded model, loaded once; MODEL_NOT_FOUND when the concept has no such model. */
  load(conceptId: string, modelId: string): Promise<LoadedModel>;
  /** Frees every loaded session (a worker shutting down, a test ending). */
  release(): Promise<void>;
}

export function createModelCache(store: ObjectStore): ModelCache {
  const loaded = new Map<string, Promise<LoadedModel>>();
  return {
    load(conceptId, modelId) {
      const key = modelObjectKey(conceptId, modelId);
      let model = loaded.get(key);
      if (!model) {
        model = loadStoredModel(store, key, modelId);
        // A failed load is not kept: the next LF asking for the model gets the same clear error, or a fixed upload.
        model.catch(() => loaded.delete(key));
        loaded.set(key, model);
      }
      return model;
    },
    async release() {
      const models = await Promise.allSettled(loaded.values());
      loaded.clear();
      await Promise.all(models.map((m) => (m.status === 'fulfilled' ? m.value.session.release() : undefined)));
    },
  };
}

const perStore = new WeakMap<ObjectStore, ModelCache>();

/** The process's cache for a store: every training job of this process shares its loaded models. */
export function modelCacheOf(store: ObjectStore): ModelCache {
  let cache = perStore.get(store);
  if (!cache) {
    cache = createModelCache(store);
    perStore.set(store, cache);
  }
  return cache;
}

async function loadStoredModel(store: ObjectStore, key: string, modelId: string): Promise<LoadedModel> {
  if (!(await store.head(key))) {
    throw new ModelLfError('MODEL_NOT_FOUND', `No uploaded model ${modelId} in this concept; upload it again or pick another model for this LF.`);
  }
  return loadOnnxModel(await loadOnnxRuntime(), await store.getBytes(key));
}

/** The votes of one model LF on a batch of rows (-1 = abstain). */
export async function modelLfVotes(
  models: ModelCache, conceptId: string, config: ModelLfConfig, label: number, batch: ColumnBatch, options: { batchRows?: number } = {},
): Promise<Int8Array> {
  const model = await models.load(conceptId, config.model_id);
  const { model_id: _modelId, ...spec } = config;
  return evaluateModelLf(await loadOnnxRuntime(), model, { ...spec, label }, batch, options);
}
