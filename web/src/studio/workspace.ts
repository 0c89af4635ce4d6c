// The pipeline's samples loaded in the data worker, shared by the notebook and training: loaded once per set
// of asset versions, with each LF's votes applied once per LF version.
import type { Catalog } from '../../../shared/schema/asset.ts';
import { lfDefinitionOf } from '../../../shared/schema/labeling-function.ts';
import { listLfs } from '../api/labeling-functions.ts';
import { getToken } from '../api/session.ts';
import type { PipelineNode } from '../canvas/graph.ts';
import type { AssetRef, LoadResult } from '../workers/studio-data-protocol.ts';
import { runSavedCustomLf } from '../sandbox/custom-lf.ts';
import { dataWorker } from './workers.ts';

export interface PipelineAssets { index: AssetRef; rules: AssetRef[]; key: string; conceptId: string }

/** The materialized versions the pipeline reads, or why it cannot be loaded yet. */
export function pipelineAssets(nodes: PipelineNode[], catalog: Catalog): PipelineAssets | { problem: string } {
  const indexNode = nodes.find((n) => n.type === 'index');
  const index = indexNode && catalog.indexes.find((a) => a.id === indexNode.data.assetId);
  if (!index) return { problem: 'Add an Index to the pipeline to load its samples.' };
  if (!index.is_materialized || !index.current_version_id) return { problem: `Materialize "${index.name}" to load its samples.` };
  const rules: AssetRef[] = [];
  for (const node of nodes) {
    if (node.type !== 'rule') continue;
    const rule = catalog.rules.find((a) => a.id === node.data.assetId);
    if (rule?.is_materialized && rule.current_version_id) rules.push({ name: rule.name, assetId: rule.id, versionId: rule.current_version_id, keyColumn: rule.key_column });
  }
  const ref = { name: index.name, assetId: index.id, versionId: index.current_version_id, keyColumn: index.key_column };
  return { index: ref, rules, key: [ref, ...rules].map((r) => r.versionId).join('+'), conceptId: index.c_id };
}

let loadedKey = '';
let loading: Promise<LoadResult> | undefined;
/** LF id → the version whose votes the data worker holds. */
const applied = new Map<string, number>();

export function ensureLoaded(assets: PipelineAssets, k: number): Promise<LoadResult> {
  if (loading && loadedKey === assets.key) return loading;
  loadedKey = assets.key;
  applied.clear();
  const start = performance.mark('reef:asset-load:start').startTime;
  loading = dataWorker().load(assets.index, assets.rules, getToken() ?? '', k, assets.conceptId).then((result) => {
    // The worker's clock has its own origin: its start, placed on the page's timeline, splits the wait for the
    // worker (starting it, its script, earlier messages) from the load itself.
    const workerStart = result.startedAt - performance.timeOrigin;
    performance.mark('reef:asset-load:worker', { startTime: workerStart });
    performance.measure('reef:asset-load', {
      start: 'reef:asset-load:start',
      detail: { rows: result.n, fromCache: result.fromCache, workerMs: result.ms, waitMs: workerStart - start, phases: result.phases },
    });
    return result;
  });
  loading.catch(() => { loadedKey = ''; });
  return loading;
}

export function markApplied(lfId: string, version: number | undefined): void {
  if (version === undefined) applied.delete(lfId);
  else applied.set(lfId, version);
}

/** Applies every active template/regex/SQL/model LF not yet applied at its current version; returns the slots to train on. */
export async function applyActiveLfs(cId: string, classes: readonly string[]): Promise<{ slots: string[]; skipped: string[] }> {
  const lfs = await listLfs(cId);
  const slots: string[] = [];
  const skipped: string[] = [];
  for (const lf of lfs) {
    if (!lf.active) continue;
    const def = lfDefinitionOf(lf);
    if (def.type === 'custom' && applied.get(lf.lf_id) !== lf.version) {
      // An approved custom LF whose cell has not run (since the page loaded, or at this version) runs now.
      const outcome = await runSavedCustomLf({ lfId: lf.lf_id, code: def.code, language: def.language, allowedImports: def.allowed_imports }, classes);
      if ('message' in outcome) {
        skipped.push(`${lf.name} (${outcome.message})`);
        continue;
      }
      await dataWorker().setVotes(lf.lf_id, lf.name, outcome.votes);
      applied.set(lf.lf_id, lf.version);
    }
    if (def.type === 'custom') {
      slots.push(lf.lf_id);
      continue;
    }
    if (applied.get(lf.lf_id) !== lf.version) {
      const { result } = await dataWorker().setLf(lf.lf_id, def);
      if ('code' in result) {
        skipped.push(`${lf.name} (${result.message})`);
        continue;
      }
      applied.set(lf.lf_id, lf.version);
    }
    slots.push(lf.lf_id);
  }
  return { slots, skipped };
}
