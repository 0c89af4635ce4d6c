// Materialization as runs: one queue job per partition, any worker takes them, and the asset's new version becomes
// current in one transaction only when every partition has succeeded. A failed run leaves the previous version
// current; materializing again reruns only the partitions that did not succeed (backfill).
import { createHash } from 'node:crypto';
import { and, desc, eq, inArray, max, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/client.ts';
import { assetTable, assetVersions, partitionExecutions, runs } from '../db/schema.ts';
import { DomainError } from '../domain-error.ts';
import { findAssetById, type AssetKind, type AssetRow } from '../data/assets.ts';
import { findConnection, type ConnectionRow } from '../data/connections.ts';
import type { ObjectStore } from '../storage/index.ts';
import { dialectOf } from '../sources/index.ts';
import type { ConnectionType } from '../../shared/schema/connection.ts';
import { PartitionConfigError, planPartitions, type Partition } from './partitions.ts';
import { QUEUES } from '../runs/queue-names.ts';
import { createRun, getRun, recordRunEvent, setRunProgress, transitionRun, type RunStatus } from '../runs/run-store.ts';
import { partKey } from '../storage/parts.ts';

/** The Parquet columns of a version, as DuckDB names their types. */
type VersionSchema = NonNullable<typeof assetVersions.$inferSelect['schema']>;
/** What a successful partition keeps of its write. */
interface PartitionOutput { key: string; bytes: number; schema: VersionSchema }

/** Streams one query's rows into one Parquet object; supplied by the runtime (sources + materialize writer). */
export type WriteQueryToParquet = (job: {
  connection: ConnectionRow; sql: string; params: Record<string, unknown>; key: string;
  onProgress: (rows: number) => Promise<void>;
  /** Aborted when the run is canceled: the source statement is canceled and the write fails with SOURCE_CANCELED. */
  signal: AbortSignal;
}) => Promise<{ rowCount: number; bytes: number; schema: VersionSchema }>;

export interface MaterializeContext {
  db: Db;
  store: ObjectStore;
  boss: PgBoss;
  writeQueryToParquet: WriteQueryToParquet;
  /** Errors a retry may cure (connection lost, server restarting); anything else fails the partition at once. */
  isTransient: (err: unknown) => boolean;
  /** The analyst-readable form of a source error. */
  describeError: (err: unknown, where: { asset: string; partition: string }) => { code: string; message: string };
  /** Called once an asset has switched to a new version (e.g. to re-run pipelines scheduled on it). */
  onNewVersion?: (assetId: string) => Promise<void>;
  /** How often a running partition looks whether its run was canceled (default CANCEL_POLL_MS). */
  cancelPollMs?: number;
}

/**
 * The cancel route only marks the run CANCELED, and the worker running it may be another process on another
 * machine, so each running partition reads its run's status this often: a cancel reaches the source within it.
 * One primary-key read per running job; LISTEN/NOTIFY would need a connection per worker that PGlite lacks.
 */
export const CANCEL_POLL_MS = 250;

/** An AbortSignal aborted once the run is canceled (or deleted); `stop` ends the watching. */
function watchForCancel(db: Db, runId: string, everyMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async () => {
    try {
      const [row] = await db.select({ status: runs.status }).from(runs).where(eq(runs.id, runId));
      if (!row || row.status === 'CANCELED') controller.abort();
    } catch {
      // Reef's database hiccuped: look again next time rather than cancel.
    }
    if (!stopped && !controller.signal.aborted) timer = setTimeout(check, everyMs);
  };
  timer = setTimeout(check, everyMs);
  return {
    signal: controller.signal,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export interface MaterializeParams {
  asset_kind: AssetKind;
  asset_id: string;
  asset_name: string;
  version: number;
  prefix: string;
  sql_hash: string;
  partitions: string[];
  backfill_of?: string;
}


export const versionPrefix = (conceptId: string, kind: AssetKind, assetId: string, version: number) =>
  `assets/${conceptId}/${kind}/${assetId}/v${version}`;


function partitionsOf(asset: AssetRow, connection: ConnectionRow): Partition[] {
  return planPartitions(asset.sqlQuery, asset.partitionType, asset.partitionConfig, dialectOf(connection.connectionType as ConnectionType));
}

/** What decides the bytes of a version: a new version with the same hash may reuse a failed run's finished partitions. */
function definitionHash(asset: AssetRow): string {
  return createHash('sha256').update(JSON.stringify([asset.sqlQuery, asset.queryTemplateParams, asset.partitionType, asset.partitionConfig, asset.connId])).digest('hex');
}

async function loadAsset(db: Db, kind: AssetKind, assetId: string) {
  const asset = await findAssetById(db, kind, assetId);
  if (!asset) throw new DomainError('NOT_FOUND', `No ${kind === 'indexes' ? 'index' : 'rule'} with id ${assetId}.`);
  const connection = await findConnection(db, asset.connId);
  if (!connection) throw new DomainError('IN_USE', `The connection of "${asset.name}" no longer exists; point the asset at a connection first.`);
  return { asset, connection };
}

/** Starts (or resumes, for a failed run of the same definition) a materialization; returns at once with the run. */
export async function startMaterialization(ctx: MaterializeContext, kind: AssetKind, assetId: string, createdBy?: string) {
  const { db } = ctx;
  const { asset, connection } = await loadAsset(db, kind, assetId);
  let partitions: Partition[];
  try {
    partitions = partitionsOf(asset, connection);
  } catch (err) {
    if (err instanceof PartitionConfigError) throw new DomainError('PARTITION_CONFIG_INVALID', err.message, { path: 'partition_config' });
    throw err;
  }
  const active = await db.select({ id: runs.id }).from(runs).where(and(
    eq(runs.kind, 'materialize'), inArray(runs.status, ['PENDING', 'RUNNING']), sql`${runs.params}->>'asset_id' = ${assetId}`,
  ));
  if (active.length) {
    throw new DomainError('CONFLICT', `"${asset.name}" is already being materialized (run ${active[0]!.id}); wait for it or cancel it.`, { run_id: active[0]!.id });
  }
  const [{ latest } = { latest: 0 }] = await db.select({ latest: max(assetVersions.version) }).from(assetVersions)
    .where(and(eq(assetVersions.assetKind, kind), eq(assetVersions.assetId, assetId)));
  const version = (latest ?? 0) + 1;
  const sqlHash = definitionHash(asset);
  const prefix = versionPrefix(asset.conceptId, kind, assetId, version);

  // Backfill: the last unsuccessful run of this very definition and version keeps its finished partitions.
  const [previous] = await db.select().from(runs).where(and(
    eq(runs.kind, 'materialize'), inArray(runs.status, ['FAILURE', 'CANCELED']),
    sql`${runs.params}->>'asset_id' = ${assetId}`, sql`${runs.params}->>'sql_hash' = ${sqlHash}`,
    sql`(${runs.params}->>'version')::int = ${version}`,
  )).orderBy(desc(runs.createdAt)).limit(1);
  const done = previous
    ? await db.select().from(partitionExecutions).where(and(eq(partitionExecutions.runId, previous.id), eq(partitionExecutions.status, 'SUCCESS')))
    : [];
  const doneByKey = new Map(done.map((p) => [p.partitionKey, p]));

  const params: MaterializeParams = {
    asset_kind: kind, asset_id: assetId, asset_name: asset.name, version, prefix, sql_hash: sqlHash,
    partitions: partitions.map((p) => p.key), ...(previous ? { backfill_of: previous.id } : {}),
  };
  const run = await db.transaction(async (tx) => {
    const created = await createRun(tx, { kind: 'materialize', conceptId: asset.conceptId, params, createdBy });
    await tx.insert(partitionExecutions).values(partitions.map((p) => {
      const reused = doneByKey.get(p.key);
      return reused
        ? { runId: created.id, partitionKey: p.key, status: 'SUCCESS', rowCount: reused.rowCount, output: reused.output, attempts: 0 }
        : { runId: created.id, partitionKey: p.key, status: 'PENDING' };
    }));
    return created;
  });
  const toRun = partitions.filter((p) => !doneByKey.has(p.key));
  await recordRunEvent(db, run.id, 'planned', { partitions: partitions.length, to_run: toRun.length, reused: partitions.length - toRun.length });
  if (toRun.length === 0) {
    await transitionRun(db, run.id, ['PENDING'], 'RUNNING');
    await finalizeIfComplete(ctx, run.id);
  } else {
    // Grouped by asset, so a worker can keep a slot for other assets while one asset has many partitions queued.
    await ctx.boss.insert(QUEUES.materializePartition, toRun.map((p) => ({ data: { runId: run.id, partitionKey: p.key }, group: { id: assetId } })));
  }
  return (await getRun(db, run.id))!;
}

export interface PartitionJob { runId: string; partitionKey: string }

/** One partition job. Throws only for transient errors, so the queue retries exactly those. */
export async function materializePartition(ctx: MaterializeContext, job: PartitionJob, attempt: { retryCount: number; retryLimit: number }) {
  const { db } = ctx;
  const run = await getRun(db, job.runId);
  if (!run || ['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status)) return;
  const params = run.params as MaterializeParams;
  await transitionRun(db, run.id, ['PENDING'], 'RUNNING');
  const where = and(eq(partitionExecutions.runId, run.id), eq(partitionExecutions.partitionKey, job.partitionKey));
  await db.update(partitionExecutions).set({ status: 'RUNNING', startedAt: new Date(), attempts: sql`${partitionExecutions.attempts} + 1` }).where(where);

  const cancel = watchForCancel(db, run.id, ctx.cancelPollMs ?? CANCEL_POLL_MS);
  try {
    const { asset, connection } = await loadAsset(db, params.asset_kind, params.asset_id);
    const partitions = partitionsOf(asset, connection);
    const index = partitions.findIndex((p) => p.key === job.partitionKey);
    const partition = partitions[index];
    if (!partition || definitionHash(asset) !== params.sql_hash) {
      throw Object.assign(new Error(`"${asset.name}" was edited while it was being materialized; materialize it again.`), { code: 'ASSET_CHANGED' });
    }
    const key = partKey(params.prefix, index);
    let lastReported = 0;
    const result = await ctx.writeQueryToParquet({
      connection, sql: partition.sql, key, signal: cancel.signal,
      params: { ...asset.queryTemplateParams, ...partition.params },
      onProgress: async (rows) => {
        if (rows - lastReported < 100_000) return;
        lastReported = rows;
        await recordRunEvent(db, run.id, 'rows', { partition: job.partitionKey, rows });
      },
    });
    await db.update(partitionExecutions).set({
      status: 'SUCCESS', rowCount: result.rowCount, finishedAt: new Date(), error: null,
      output: { key, bytes: result.bytes, schema: result.schema } satisfies PartitionOutput,
    }).where(where);
    const statuses = await db.select({ status: partitionExecutions.status, rows: partitionExecutions.rowCount }).from(partitionExecutions)
      .where(eq(partitionExecutions.runId, run.id));
    const done = statuses.filter((p) => p.status === 'SUCCESS');
    const progress = { partitions: statuses.length, partitions_done: done.length, rows: done.reduce((n, p) => n + (p.rows ?? 0), 0) };
    await setRunProgress(db, run.id, progress);
    await recordRunEvent(db, run.id, 'partition_done', { partition: job.partitionKey, partition_rows: result.rowCount, ...progress });
    await finalizeIfComplete(ctx, run.id);
  } catch (err) {
    const described = ctx.describeError(err, { asset: params.asset_name, partition: job.partitionKey });
    if (cancel.signal.aborted) {
      // The run is already CANCELED; the statement on the source was canceled and this worker is free again.
      await db.update(partitionExecutions).set({ status: 'CANCELED', error: described, finishedAt: new Date() }).where(where);
      await recordRunEvent(db, run.id, 'partition_canceled', { partition: job.partitionKey });
      return;
    }
    const willRetry = ctx.isTransient(err) && attempt.retryCount < attempt.retryLimit;
    await db.update(partitionExecutions).set({ status: willRetry ? 'RETRYING' : 'FAILURE', error: described, finishedAt: new Date() }).where(where);
    await recordRunEvent(db, run.id, willRetry ? 'retry' : 'error', { partition: job.partitionKey, ...described });
    if (willRetry) throw err;
    // The other partitions go on: a backfill then reruns only what failed.
    await finalizeIfComplete(ctx, run.id);
  } finally {
    cancel.stop();
  }
}

/**
 * Ends the run once every partition has finished (the run row is locked, so exactly one job does it): if all
 * succeeded, the asset switches to the new version in the same transaction; if any failed, the run fails with
 * the first failure and the previous version stays current.
 */
export async function finalizeIfComplete(ctx: MaterializeContext, runId: string): Promise<boolean> {
  const switched = await ctx.db.transaction(async (tx): Promise<{ assetId: string } | boolean> => {
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
    if (!run || (run.status as RunStatus) !== 'RUNNING') return false;
    const parts = await tx.select().from(partitionExecutions).where(eq(partitionExecutions.runId, runId));
    if (parts.some((p) => p.status !== 'SUCCESS' && p.status !== 'FAILURE')) return false;
    const failed = parts.filter((p) => p.status === 'FAILURE');
    if (failed.length) {
      const error = { ...failed[0]!.error, failed_partitions: failed.map((p) => p.partitionKey) };
      await tx.update(runs).set({ status: 'FAILURE', finishedAt: new Date(), error }).where(eq(runs.id, runId));
      await recordRunEvent(tx, runId, 'status', { status: 'FAILURE', error });
      return true;
    }
    const params = run.params as MaterializeParams;
    const rowCount = parts.reduce((sum, p) => sum + (p.rowCount ?? 0), 0);
    const schema = parts.map((p) => (p.output as PartitionOutput | null)?.schema).find(Boolean) ?? null;
    const [version] = await tx.insert(assetVersions).values({
      conceptId: run.conceptId!, assetKind: params.asset_kind, assetId: params.asset_id, version: params.version,
      storagePrefix: params.prefix, rowCount, schema, sqlHash: params.sql_hash, runId,
    }).returning();
    const t = assetTable(params.asset_kind);
    const now = new Date();
    await tx.update(t).set({
      isMaterialized: true, rowCount, storagePath: params.prefix, currentVersionId: version!.id, materializedAt: now, updatedAt: now,
    }).where(eq(t.id, params.asset_id));
    const metrics = { row_count: rowCount, partitions: parts.length, version: params.version, asset_version_id: version!.id };
    await tx.update(runs).set({ status: 'SUCCESS', finishedAt: now, metrics, progress: { rows: rowCount, partitions_done: parts.length, partitions: parts.length } }).where(eq(runs.id, runId));
    await recordRunEvent(tx, runId, 'status', { status: 'SUCCESS', ...metrics });
    return { assetId: params.asset_id };
  });
  if (typeof switched === 'object' && ctx.onNewVersion) {
    // The version is committed whatever a follower does: a failing hook is logged, never the run's failure.
    await ctx.onNewVersion(switched.assetId).catch((err: unknown) => console.error('reef: after materialization:', err));
  }
  return switched !== false;
}
