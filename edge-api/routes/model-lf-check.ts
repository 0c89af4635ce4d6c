// A model LF is checked on save against what it will run on: the uploaded model's tensors (as onnxruntime read them
// on upload) and the columns of the concept's materialized assets, so a mapping that cannot run is a 400 now, not a
// failed training run later.
import type { AssetColumn } from '../../shared/lf/types.ts';
import { checkModelLf, isModelLfError, ModelLfConfig } from '../../shared/onnx/index.ts';
import type { Db } from '../db/client.ts';
import { listMaterializedAssets } from '../data/assets.ts';
import { listAssetVersions } from '../data/asset-versions.ts';
import { ApiError } from '../errors.ts';
import { readModelInfo } from '../models/onnx-models.ts';
import { readParquetFooter } from '../training/train-parquet.ts';
import type { ObjectStore } from '../storage/index.ts';
import { listParts } from '../storage/parts.ts';

const NUMERIC = new Set(['integer', 'float', 'boolean']);

/**
 * Every column an LF of the concept can read, by the names the training join gives them: each index's columns, each
 * rule's columns under their own name and as "<rule>.<column>" (the name a rule column takes when the index has one
 * of that name). A name that is numeric in some asset counts as numeric.
 */
export async function conceptColumns(db: Db, store: ObjectStore, conceptId: string): Promise<Record<string, { type: string }>> {
  const columns: Record<string, { type: string }> = {};
  const add = (name: string, type: string) => {
    if (!columns[name] || (!NUMERIC.has(columns[name].type) && NUMERIC.has(type))) columns[name] = { type };
  };
  for (const kind of ['indexes', 'rules'] as const) {
    const assets = await listMaterializedAssets(db, kind, conceptId);
    if (assets.length === 0) continue;
    const versions = await listAssetVersions(db, assets.map((a) => a.currentVersionId!));
    for (const asset of assets) {
      const version = versions.find((v) => v.id === asset.currentVersionId);
      const [part] = version ? await listParts(store, version.storagePrefix) : [];
      if (!part) continue;
      const assetColumns: AssetColumn[] = (await readParquetFooter(store, part.key)).columns;
      for (const c of assetColumns) {
        if (kind === 'indexes') add(c.name, c.type);
        else if (c.name !== asset.keyColumn) {
          add(c.name, c.type);
          add(`${asset.name}.${c.name}`, c.type);
        }
      }
    }
  }
  return columns;
}

/** Refuses a model LF whose model is not the concept's, whose columns are missing or not numeric, or whose class is not an output. */
export async function checkModelLfDefinition(db: Db, store: ObjectStore | undefined, conceptId: string, config: Record<string, unknown>, label: number): Promise<void> {
  if (!store) throw new ApiError(501, 'NOT_AVAILABLE', 'This deployment has no object store, so it has no uploaded models; create model LFs through a Node deployment.');
  const parsed = ModelLfConfig.parse(config);
  const model = await readModelInfo(store, conceptId, parsed.model_id);
  if (!model) {
    throw new ApiError(400, 'MODEL_NOT_FOUND', `No uploaded model ${parsed.model_id} in this concept; upload it (POST /api/concepts/${conceptId}/models) or pick one from GET …/models.`);
  }
  const columns = await conceptColumns(db, store, conceptId);
  try {
    const { model_id: _modelId, ...spec } = parsed;
    checkModelLf(model, { ...spec, label }, columns);
  } catch (err) {
    if (!isModelLfError(err)) throw err;
    const noAssets = err.code === 'MODEL_MISSING_COLUMN' && Object.keys(columns).length === 0;
    throw new ApiError(400, err.code, `Model LF over ${model.name}: ${err.message}${noAssets ? ' (No index or rule of this concept is materialized yet: materialize one first.)' : ''}`, err.details);
  }
}
