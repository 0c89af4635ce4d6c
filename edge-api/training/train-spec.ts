// What a training run is: the seed's request body, checked against the catalog, and pinned — the exact asset
// versions, the LF version snapshots, the model settings and the seed — so the run (and any re-run) reads exactly
// these, whatever is edited or re-materialized meanwhile. Also plans the run's units of work (row ranges of the
// index's Parquet parts).
import { z } from '@hono/zod-openapi';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { compileLf } from '../../shared/lf/compile.ts';
import type { AssetColumn } from '../../shared/lf/types.ts';
import { lfDefinitionOf, type LfSnapshot } from '../../shared/schema/labeling-function.ts';
import type { TrainRequest } from '../../shared/schema/training.ts';
import type { Db } from '../db/client.ts';
import { assetVersions, conceptIndexes, conceptRules, conceptValues, labelingFunctionVersions, labelingFunctions } from '../db/schema.ts';
import { DomainError } from '../domain-error.ts';
import type { ObjectStore } from '../storage/index.ts';
import { readParquetFooter } from './train-parquet.ts';
import { listParts } from '../storage/parts.ts';


export interface PinnedAsset {
  kind: 'indexes' | 'rules';
  asset_id: string;
  name: string;
  asset_version_id: string;
  version: number;
  storage_prefix: string;
  key_column: string;
  parts: { key: string; rows: number }[];
  columns: AssetColumn[];
}

export interface PinnedLf {
  lf_id: string;
  name: string;
  version: number;
  snapshot: LfSnapshot;
}

/** A slice of one index part: rows [lo, hi) of `part`, rows offset.. of the whole index. */
export interface TrainUnit {
  unit: number;
  part: string;
  lo: number;
  hi: number;
  offset: number;
}

/** Everything a worker needs, stored as the run's params; the lineage is the part that identifies the result. */
export interface TrainParams {
  request: TrainRequest;
  classes: string[];
  k: number;
  /** The columns LFs see: the index's, then each rule's (less its key), the first of a name winning. */
  schema: AssetColumn[];
  lineage: TrainLineage;
  units: TrainUnit[];
  total_rows: number;
}

/** Where a run's results (and its vote matrices) live (DESIGN.md "Results"). */
export const resultsPrefix = (conceptId: string, runId: string) => `results/${conceptId}/runs/${runId}`;

export interface TrainLineage {
  index: PinnedAsset;
  rules: PinnedAsset[];
  lfs: PinnedLf[];
  model: { kind: TrainRequest['model']; epochs: number; lr: number; l2: number; optimizer: string; sample_size: number | null; tie_break: string; output_type: string };
  seed: number;
}

// train-votes.ts reads the definition through here.
export { lfDefinitionOf };

/** Rows per unit of work: a worker holds one unit's columns and votes in memory (about 100 MB at 500k rows). */
export const DEFAULT_UNIT_ROWS = 500_000;

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

async function pinAssets(db: Db, store: ObjectStore, conceptId: string, kind: 'indexes' | 'rules', ids: string[]): Promise<PinnedAsset[]> {
  if (ids.length === 0) return [];
  const t = kind === 'indexes' ? conceptIndexes : conceptRules;
  const what = kind === 'indexes' ? 'index' : 'rule';
  const rows = await db.select().from(t).where(and(eq(t.conceptId, conceptId), inArray(t.id, ids)));
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw new DomainError('VALIDATION_FAILED', `No ${what} of this concept has id ${missing.join(', ')}; list the catalog to find the right ids.`, { missing });
  const ordered = ids.map((id) => rows.find((r) => r.id === id)!);
  const unmaterialized = ordered.filter((a) => !a.isMaterialized || !a.currentVersionId);
  if (unmaterialized.length) {
    throw new DomainError('NOT_MATERIALIZED',
      `${unmaterialized.length > 1 ? `The ${what === 'index' ? 'indexes' : 'rules'}` : `The ${what}`} ${quoted(unmaterialized.map((a) => a.name))} ${unmaterialized.length > 1 ? 'are' : 'is'} not materialized; materialize ${unmaterialized.length > 1 ? 'them' : 'it'} first (POST …/${kind}/{id}/materialize).`,
      { assets: unmaterialized.map((a) => ({ kind, asset_id: a.id, name: a.name })) });
  }
  const versions = await db.select().from(assetVersions).where(inArray(assetVersions.id, ordered.map((a) => a.currentVersionId!)));
  const pinned: PinnedAsset[] = [];
  for (const asset of ordered) {
    const version = versions.find((v) => v.id === asset.currentVersionId)!;
    const objects = await listParts(store, version.storagePrefix);
    if (objects.length === 0) {
      throw new DomainError('NOT_MATERIALIZED', `The ${what} "${asset.name}" has no Parquet in the object store at ${version.storagePrefix}/; materialize it again.`);
    }
    const parts: PinnedAsset['parts'] = [];
    let columns: AssetColumn[] = [];
    for (const o of objects) {
      const footer = await readParquetFooter(store, o.key);
      parts.push({ key: o.key, rows: footer.rows });
      columns = footer.columns;
    }
    if (!columns.some((c) => c.name === asset.keyColumn)) {
      throw new DomainError('VALIDATION_FAILED', `The ${what} "${asset.name}" has no column "${asset.keyColumn}" (its key_column); set key_column to one of ${quoted(columns.map((c) => c.name))}.`);
    }
    pinned.push({
      kind, asset_id: asset.id, name: asset.name, asset_version_id: version.id, version: version.version,
      storage_prefix: version.storagePrefix, key_column: asset.keyColumn, parts, columns,
    });
  }
  return pinned;
}

async function pinLfs(db: Db, conceptId: string, ids: string[]): Promise<PinnedLf[]> {
  const rows = await db.select().from(labelingFunctions).where(and(eq(labelingFunctions.conceptId, conceptId), inArray(labelingFunctions.id, ids)));
  const missing = ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw new DomainError('VALIDATION_FAILED', `No labeling function of this concept has id ${missing.join(', ')}.`, { missing });
  const ordered = ids.map((id) => rows.find((r) => r.id === id)!);
  const unapproved = ordered.filter((lf) => lf.requiresApproval);
  if (unapproved.length) {
    throw new DomainError('APPROVAL_REQUIRED',
      `The custom LF${unapproved.length > 1 ? 's' : ''} ${quoted(unapproved.map((lf) => lf.name))} ${unapproved.length > 1 ? 'are' : 'is'} not approved; an approver must approve ${unapproved.length > 1 ? 'them' : 'it'} (POST …/labeling-functions/{lf_id}/approve) or leave ${unapproved.length > 1 ? 'them' : 'it'} out.`,
      { lfs: unapproved.map((lf) => ({ lf_id: lf.id, name: lf.name })) });
  }
  const inactive = ordered.filter((lf) => !lf.active);
  if (inactive.length) {
    throw new DomainError('LF_INVALID',
      `The LF${inactive.length > 1 ? 's' : ''} ${quoted(inactive.map((lf) => lf.name))} ${inactive.length > 1 ? 'are' : 'is'} inactive; activate ${inactive.length > 1 ? 'them' : 'it'} or leave ${inactive.length > 1 ? 'them' : 'it'} out.`,
      { lfs: inactive.map((lf) => ({ lf_id: lf.id, name: lf.name })) });
  }
  const snapshots = await db.select().from(labelingFunctionVersions).where(inArray(labelingFunctionVersions.lfId, ids))
    .orderBy(asc(labelingFunctionVersions.version));
  return ordered.map((lf) => {
    const snapshot = snapshots.find((s) => s.lfId === lf.id && s.version === lf.version);
    if (!snapshot) throw new DomainError('CONFLICT', `LF "${lf.name}" has no saved snapshot of version ${lf.version}; save it again.`);
    return { lf_id: lf.id, name: lf.name, version: lf.version, snapshot: snapshot.snapshot };
  });
}

/** Where a column LFs see comes from: the index ('index') or rule number `rule`, and its name there. */
export interface ColumnSource extends AssetColumn {
  from: 'index' | number;
  column: string;
}

/**
 * The columns LFs see, named as the browser's join names them (web/src/workers/asset-table.ts joinOnKey): the
 * index's, then each rule's except its key; a rule column whose name is taken is called "<rule name>.<column>".
 */
export function columnSources(index: PinnedAsset, rules: PinnedAsset[]): ColumnSource[] {
  const sources: ColumnSource[] = index.columns.map((c) => ({ ...c, from: 'index', column: c.name }));
  rules.forEach((rule, r) => {
    for (const c of rule.columns) {
      if (c.name === rule.key_column) continue;
      const name = sources.some((x) => x.name === c.name) ? `${rule.name}.${c.name}` : c.name;
      const source: ColumnSource = { name, type: c.type, from: r, column: c.name };
      const taken = sources.findIndex((x) => x.name === name);
      if (taken >= 0) sources[taken] = source;
      else sources.push(source);
    }
  });
  return sources;
}

export function joinedSchema(index: PinnedAsset, rules: PinnedAsset[]): AssetColumn[] {
  return columnSources(index, rules).map(({ name, type }) => ({ name, type }));
}

export function planUnits(index: PinnedAsset, unitRows: number): TrainUnit[] {
  const units: TrainUnit[] = [];
  let offset = 0;
  for (const part of index.parts) {
    for (let lo = 0; lo < part.rows; lo += unitRows) {
      const hi = Math.min(part.rows, lo + unitRows);
      units.push({ unit: units.length, part: part.key, lo, hi, offset });
      offset += hi - lo;
    }
  }
  return units;
}

/** Checks the request against the catalog and pins everything the run reads; a 400 names what is wrong. */
export async function pinTrainingRun(
  db: Db, store: ObjectStore, conceptId: string, request: TrainRequest, options: { unitRows?: number } = {},
): Promise<TrainParams> {
  const classes = (await db.select().from(conceptValues).where(eq(conceptValues.conceptId, conceptId)).orderBy(asc(conceptValues.position))).map((v) => v.name);
  const [index] = await pinAssets(db, store, conceptId, 'indexes', [request.selectedIndex]);
  const rules = await pinAssets(db, store, conceptId, 'rules', [...new Set(request.selectedRules)]);
  const lfs = await pinLfs(db, conceptId, [...new Set(request.selectedLFs)]);
  const schema = joinedSchema(index!, rules);
  const k = classes.length;
  for (const lf of lfs) {
    try {
      compileLf(lfDefinitionOf(lf.snapshot), { columns: schema }, k);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      throw new DomainError('LF_INVALID', `${e.message ?? String(err)} Fix the LF, or pick assets that have the columns it reads.`, { lf_id: lf.lf_id, code: e.code });
    }
  }
  if ((request.model === 'snorkel' || request.model === 'auto') && lfs.length < 3) {
    throw new DomainError('VALIDATION_FAILED', `The ${request.model} label model needs at least 3 labeling functions; select more, or use model "mv".`);
  }
  const units = planUnits(index!, options.unitRows ?? DEFAULT_UNIT_ROWS);
  const { snorkel } = request;
  return {
    request, classes, k, schema, units,
    total_rows: index!.parts.reduce((sum, p) => sum + p.rows, 0),
    lineage: {
      index: index!, rules, lfs, seed: request.seed,
      model: {
        kind: request.model, epochs: snorkel.epochs, lr: snorkel.lr, l2: snorkel.l2, optimizer: snorkel.optimizer,
        sample_size: snorkel.sample_size ?? null, tie_break: request.tie_break, output_type: snorkel.output_type,
      },
    },
  };
}
