// Training runs on the server (the seed's POST /snorkel/run), as map/reduce over the pinned index:
//   1. one `train-votes` job per unit (a row range of an index part): LF votes written to the store, sufficient
//      statistics and analysis tallies returned on the unit's partition row;
//   2. the job that completes the last unit sums them and fits the model once, under the run's row lock;
//   3. one `train-predict` job per unit writes results/{concept}/runs/{run}/part-NNNNN.parquet;
//   4. the last prediction finalizes metrics and marks the run SUCCESS, in one transaction.
// Any number of workers take the jobs. A job throws only for transient errors (the queue retries it); a worker
// killed mid-job stops its heartbeat and the job is retried. Every step is deterministic for the pinned inputs
// and seed, and writes whole objects, so a retried step gives exactly what the first attempt would have.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { and, eq, like, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { summarizeCounts } from '../../shared/analysis/analyze.ts';
import {
  addResultLabelCounts, confidences, countResultLabels, isLabelModelError, mergeCounts, oneClassWarning, predictorOf, resultLabels, statsOptionsFor,
  votesPerRow, type ResultLabelCounts,
} from '../../shared/labelmodel/index.ts';
import type { Db } from '../db/client.ts';
import { goldLabels, partitionExecutions, runs } from '../db/schema.ts';
import type { ObjectStore } from '../storage/index.ts';
import { modelCacheOf } from '../models/onnx-models.ts';
import { createRun, getRun, recordRunEvent, setRunProgress, transitionRun, type RunRow, type RunStatus } from '../runs/run-store.ts';
import type { SandboxLimits } from '../sandbox/sandbox.ts';
import { localPathOf, loadUnit, openUnitDb, readUnitColumns, readUnitGold, writeResultsParquet } from './train-duckdb.ts';
import { FIT_KEY, fitRunModel, type FitReport } from './train-fit.ts';
import type { LabelModelParameters } from '../../shared/schema/label-model.ts';
import { exportRunToMlflow } from './mlflow.ts';
import type { TrainMetrics } from './train-metrics.ts';
import type { TrainRequest } from '../../shared/schema/training.ts';
import { pinTrainingRun, resultsPrefix, type TrainParams, type TrainUnit } from './train-spec.ts';
import {
  compileUnitLfs, labelBytes, labelsFromBytes, sampleMask, unitContribution, unitLabelMatrix,
  type UnitContribution,
} from './train-votes.ts';
import { partKey } from '../storage/parts.ts';
import { trainRunOf } from './train-run.ts';
import { PARQUET_MEDIA_TYPE } from '../../shared/schema/asset.ts';

export const TRAIN_QUEUES = { votes: 'train-votes', predict: 'train-predict' } as const;
const RETRY_LIMIT = 4;

export interface TrainingContext {
  db: Db;
  store: ObjectStore;
  boss: PgBoss;
  /** Rows per unit of work (default 500,000). */
  unitRows?: number;
  sandbox?: SandboxLimits;
  /** MLFLOW_TRACKING_URI: each finished run is also logged there. */
  mlflowTrackingUri?: string;
  /** Where DuckDB spills and results are staged before upload (default: the OS temp folder). */
  scratchDir?: string;
}

export interface TrainJob { runId: string; unit: number }

const votesKey = (u: number) => `votes-${String(u).padStart(5, '0')}`;
const predictKey = (u: number) => `predict-${String(u).padStart(5, '0')}`;
export const votesObjectKey = (prefix: string, u: number) => `${prefix}/votes/unit-${String(u).padStart(5, '0')}.i8`;

const ensured = new WeakSet<PgBoss>();
/** The training queues, with the materialization queues' retry and heartbeat settings. */
export async function ensureTrainingQueues(boss: PgBoss): Promise<void> {
  if (ensured.has(boss)) return;
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const name of Object.values(TRAIN_QUEUES)) {
    if (existing.has(name)) continue;
    await boss.createQueue(name, {
      heartbeatSeconds: 10, retryLimit: RETRY_LIMIT, retryDelay: 2, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 6 * 3600,
    });
  }
  ensured.add(boss);
}

/** Validates and pins the run (a 400 names what is wrong), records it, and queues its units; returns at once. */
export async function startTraining(ctx: TrainingContext, conceptId: string, request: TrainRequest, createdBy?: string): Promise<RunRow> {
  const { db } = ctx;
  const params = await pinTrainingRun(db, ctx.store, conceptId, request, { unitRows: ctx.unitRows });
  const run = await db.transaction(async (tx) => {
    const created = await createRun(tx, { kind: 'train', conceptId, params, createdBy });
    await tx.update(runs).set({ lineage: params.lineage, progress: { phase: 'votes', partitions_done: 0, partitions_total: params.units.length, rows: 0 } })
      .where(eq(runs.id, created.id));
    await tx.insert(partitionExecutions).values(params.units.map((u) => ({ runId: created.id, partitionKey: votesKey(u.unit), status: 'PENDING' })));
    return created;
  });
  await recordRunEvent(db, run.id, 'planned', { units: params.units.length, rows: params.total_rows, lfs: params.lineage.lfs.length });
  try {
    await ensureTrainingQueues(ctx.boss);
    await ctx.boss.insert(TRAIN_QUEUES.votes, params.units.map((u) => ({ data: { runId: run.id, unit: u.unit } satisfies TrainJob })));
  } catch (err) {
    await transitionRun(db, run.id, ['PENDING'], 'FAILURE', { error: { code: 'QUEUE_UNAVAILABLE', message: `The run could not be queued: ${(err as Error).message}` } });
  }
  return (await getRun(db, run.id))!;
}

const errorCode = (err: unknown) => (err as { code?: unknown }).code;

/** Lost connections and an unreachable store may heal; anything about the data or an LF will not. */
function isTransient(err: unknown): boolean {
  const code = errorCode(err);
  if (typeof code === 'string' && ['OBJECT_STORE_UNAVAILABLE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08000', '08003', '08006', '40001', '40P01'].includes(code)) return true;
  return /Connection terminated|connection closed|socket hang up/i.test((err as Error)?.message ?? '');
}

function describeError(err: unknown): { code: string; message: string; lf?: string } {
  const e = err as { code?: unknown; message?: unknown; lf?: unknown };
  if (isLabelModelError(err)) return { code: `LABEL_MODEL_${e.code as string}`, message: `The label model could not be fitted: ${e.message as string}` };
  return {
    code: typeof e.code === 'string' ? e.code : 'TRAINING_FAILED',
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.lf === 'string' ? { lf: e.lf } : {}),
  };
}

async function loadGold(db: Db, conceptId: string): Promise<Map<string, number> | undefined> {
  const rows = await db.select({ key: goldLabels.sampleKey, label: goldLabels.label }).from(goldLabels).where(eq(goldLabels.conceptId, conceptId));
  return rows.length ? new Map(rows.map((r) => [r.key, r.label])) : undefined;
}

async function computeVotes(ctx: TrainingContext, run: RunRow, params: TrainParams, unit: TrainUnit): Promise<UnitContribution> {
  const { lineage, schema, k, request } = params;
  const unitDb = await openUnitDb(ctx.scratchDir);
  try {
    const indexPath = await localPathOf(ctx.store, unit.part);
    const rules = [];
    for (const rule of lineage.rules) rules.push({ asset: rule, paths: await Promise.all(rule.parts.map((p) => localPathOf(ctx.store, p.key))) });
    const gold = await loadGold(ctx.db, run.conceptId!);
    const rows = await loadUnit(unitDb, { indexPath, unit, index: lineage.index, rules, schema, ...(gold ? { gold } : {}) });
    const { n } = rows;
    const compiled = compileUnitLfs(lineage.lfs, schema, k);
    const batch = await readUnitColumns(unitDb, schema, compiled.fields, rows);
    const goldOfRows = gold ? await readUnitGold(unitDb, rows) : undefined;
    const { L, problems } = await unitLabelMatrix(batch, compiled, lineage.lfs, schema, k, {
      onLfError: request.on_lf_error, sandbox: ctx.sandbox, runShare: n / params.total_rows, models: { cache: modelCacheOf(ctx.store), conceptId: run.conceptId! }, classes: params.classes,
    });
    await ctx.store.put(votesObjectKey(resultsPrefix(run.conceptId!, run.id), unit.unit), labelBytes(L));
    const size = request.snorkel.sample_size;
    const sample = size && size < params.total_rows ? sampleMask(unit, n, params.total_rows, size, request.seed) : undefined;
    return unitContribution(L, n, compiled.lfs.length, k, { gold: goldOfRows, sample, ...statsOptionsFor(request.model), problems });
  } finally {
    await unitDb.close();
  }
}

const isFinished = (status: string) => ['SUCCESS', 'FAILURE', 'CANCELED'].includes(status);

/** Runs one step of a unit with the partition-row bookkeeping shared by both phases. */
async function runStep(
  ctx: TrainingContext, job: TrainJob, attempt: { retryCount: number }, partitionKey: string,
  work: (run: RunRow, params: TrainParams) => Promise<{ rows: number; output: object }>,
): Promise<'done' | 'skipped' | 'failed'> {
  const { db } = ctx;
  const run = await getRun(db, job.runId);
  if (!run || isFinished(run.status)) return 'skipped';
  const { params } = trainRunOf(run);
  await transitionRun(db, run.id, ['PENDING'], 'RUNNING');
  const where = and(eq(partitionExecutions.runId, run.id), eq(partitionExecutions.partitionKey, partitionKey));
  const [part] = await db.select().from(partitionExecutions).where(where);
  // A retry after the step committed (the worker died before finishing the job) goes straight to what follows.
  if (part?.status === 'SUCCESS') return 'done';
  // A unit that keeps killing or hanging its worker (out of memory, a regex backtracking on long text) would be
  // retried until the queue gives up, leaving the run RUNNING for good: after this many starts, fail it instead.
  if (part && part.attempts > RETRY_LIMIT) {
    const error = { code: 'UNIT_NEVER_FINISHED', message: `Unit ${partitionKey} was started ${part.attempts} times and never finished: a worker died or hung on it each time (out of memory? an LF that is too slow on these rows?).` };
    await db.update(partitionExecutions).set({ status: 'FAILURE', error, finishedAt: new Date() }).where(where);
    await failRun(ctx, run, error);
    return 'failed';
  }
  await db.update(partitionExecutions).set({ status: 'RUNNING', startedAt: new Date(), attempts: sql`${partitionExecutions.attempts} + 1` }).where(where);
  try {
    const { rows, output } = await work(run, params);
    await db.update(partitionExecutions).set({ status: 'SUCCESS', rowCount: rows, output, finishedAt: new Date(), error: null }).where(where);
    await reportProgress(db, run.id, partitionKey, params.units.length, rows);
    return 'done';
  } catch (err) {
    const described = describeError(err);
    const willRetry = isTransient(err) && attempt.retryCount < RETRY_LIMIT;
    await db.update(partitionExecutions).set({ status: willRetry ? 'RETRYING' : 'FAILURE', error: described, finishedAt: new Date() }).where(where);
    await recordRunEvent(db, run.id, willRetry ? 'retry' : 'error', { partition: partitionKey, ...described });
    if (willRetry) throw err;
    await failRun(ctx, run, described);
    return 'failed';
  }
}

async function reportProgress(db: Db, runId: string, partitionKey: string, total: number, rows: number) {
  const phase = partitionKey.startsWith('votes') ? 'votes' : 'predict';
  const [{ done, rowsDone } = { done: 0, rowsDone: 0 }] = await db.select({
    done: sql<number>`count(*)::int`, rowsDone: sql<number>`coalesce(sum(${partitionExecutions.rowCount}), 0)::float8`,
  }).from(partitionExecutions)
    .where(and(eq(partitionExecutions.runId, runId), like(partitionExecutions.partitionKey, `${phase}-%`), eq(partitionExecutions.status, 'SUCCESS')));
  const progress = { phase, partitions_done: done, partitions_total: total, rows_done: Number(rowsDone) };
  await recordRunEvent(db, runId, 'partition_done', { partition: partitionKey, rows, ...progress });
  await setRunProgress(db, runId, progress);
}

/** Fails the run once, and removes what it wrote, so no partial result is ever read as an answer. */
async function failRun(ctx: TrainingContext, run: RunRow, error: object) {
  const failed = await transitionRun(ctx.db, run.id, ['PENDING', 'RUNNING'], 'FAILURE', { error });
  if (failed) await ctx.store.deletePrefix(`${resultsPrefix(run.conceptId!, run.id)}/`);
}

export async function runVotesJob(ctx: TrainingContext, job: TrainJob, attempt: { retryCount: number }): Promise<void> {
  const step = await runStep(ctx, job, attempt, votesKey(job.unit), async (run, params) => {
    const contribution = await computeVotes(ctx, run, params, params.units[job.unit]!);
    for (const problem of contribution.problems) await recordRunEvent(ctx.db, run.id, 'lf_problem', { unit: job.unit, ...problem });
    return { rows: contribution.counts.n, output: contribution };
  });
  if (step !== 'done') return;
  const outcome = await fitIfVotesComplete(ctx, job.runId);
  // The fitting job queues the predictions; so does its retry, if it died between the fit and the queueing
  // (a duplicate prediction job only rewrites the same object).
  if (outcome === 'fitted' || (outcome === 'fitted-before' && attempt.retryCount > 0)) await enqueuePredictions(ctx, job.runId);
}

type FitOutcome = 'fitted' | 'fitted-before' | 'waiting' | 'not-running' | 'failed';

/** Fits once, when every unit has voted: the run row is locked, so two last units cannot both fit. */
export async function fitIfVotesComplete(ctx: TrainingContext, runId: string): Promise<FitOutcome> {
  return ctx.db.transaction(async (tx) => {
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
    if (!run || (run.status as RunStatus) !== 'RUNNING') return 'not-running';
    const parts = await tx.select().from(partitionExecutions).where(eq(partitionExecutions.runId, runId));
    if (parts.some((p) => p.partitionKey === FIT_KEY)) return 'fitted-before';
    const votes = parts.filter((p) => p.partitionKey.startsWith('votes-'));
    if (votes.some((p) => p.status !== 'SUCCESS')) return 'waiting';
    const { params } = trainRunOf(run);
    const contributions = votes.sort((a, b) => a.partitionKey.localeCompare(b.partitionKey)).map((p) => p.output as UnitContribution);
    let fitted: { model: LabelModelParameters; report: FitReport };
    try {
      fitted = fitRunModel(params, contributions);
    } catch (err) {
      const error = describeError(err);
      await tx.update(runs).set({ status: 'FAILURE', error, finishedAt: new Date() }).where(eq(runs.id, runId));
      await recordRunEvent(tx, runId, 'status', { status: 'FAILURE', error });
      return 'failed';
    }
    await tx.insert(partitionExecutions).values([
      { runId, partitionKey: FIT_KEY, status: 'SUCCESS', rowCount: fitted.report.fit_rows, output: fitted, attempts: 1, finishedAt: new Date() },
      ...params.units.map((u) => ({ runId, partitionKey: predictKey(u.unit), status: 'PENDING' })),
    ]);
    await tx.update(runs).set({ progress: { phase: 'predict', partitions_done: 0, partitions_total: params.units.length } }).where(eq(runs.id, runId));
    await recordRunEvent(tx, runId, 'fit', { ...fitted.report });
    return 'fitted';
  });
}

async function enqueuePredictions(ctx: TrainingContext, runId: string) {
  const pending = await ctx.db.select({ key: partitionExecutions.partitionKey }).from(partitionExecutions)
    .where(and(eq(partitionExecutions.runId, runId), like(partitionExecutions.partitionKey, 'predict-%'), eq(partitionExecutions.status, 'PENDING')));
  if (pending.length === 0) return;
  await ensureTrainingQueues(ctx.boss);
  await ctx.boss.insert(TRAIN_QUEUES.predict, pending.map((p) => ({ data: { runId, unit: Number(p.key.slice('predict-'.length)) } satisfies TrainJob })));
}

export interface PredictOutput { key: string; rows: number; label_counts: ResultLabelCounts; confidence_sum: number | null }

export async function runPredictJob(ctx: TrainingContext, job: TrainJob, attempt: { retryCount: number }): Promise<void> {
  const step = await runStep(ctx, job, attempt, predictKey(job.unit), async (run, params) => {
    const [fit] = await ctx.db.select().from(partitionExecutions).where(and(eq(partitionExecutions.runId, run.id), eq(partitionExecutions.partitionKey, FIT_KEY)));
    const { model } = fit!.output as { model: LabelModelParameters };
    const unit = params.units[job.unit]!;
    const prefix = resultsPrefix(run.conceptId!, run.id);
    const L = labelsFromBytes(await ctx.store.getBytes(votesObjectKey(prefix, job.unit)), params.k);
    const n = unit.hi - unit.lo;
    const probs = predictorOf(model)(L, n);
    const nVotes = votesPerRow(L, n, params.lineage.lfs.length);
    const labels = resultLabels(probs, params.k, nVotes, params.request.tie_break, { rowOffset: unit.offset });
    const softmax = params.request.snorkel.output_type === 'softmax';
    const confidence = softmax ? confidences(probs, params.k) : undefined;
    const key = partKey(prefix, job.unit);
    const unitDb = await openUnitDb(ctx.scratchDir);
    try {
      const file = join(unitDb.scratch, 'results.parquet');
      await writeResultsParquet(unitDb, await localPathOf(ctx.store, unit.part), params.lineage.index, unit,
        { labels, nVotes, k: params.k, ...(softmax ? { probs, confidence } : {}) }, file, params.request.results_columns);
      await ctx.store.put(key, createReadStream(file), { contentType: PARQUET_MEDIA_TYPE });
    } finally {
      await unitDb.close();
    }
    const output: PredictOutput = { key, rows: n, label_counts: countResultLabels(labels, nVotes, params.k), confidence_sum: confidence ? confidence.reduce((a, b) => a + b, 0) : null };
    return { rows: n, output };
  });
  if (step !== 'done') return;
  if (await finalizeTraining(ctx, job.runId) && ctx.mlflowTrackingUri) {
    const run = (await getRun(ctx.db, job.runId))!;
    await exportRunToMlflow(ctx.db, ctx.mlflowTrackingUri, run, resultsUri(ctx.store, resultsPrefix(run.conceptId!, run.id)));
  }
}

export function resultsUri(store: ObjectStore, prefix: string): string {
  const local = store as ObjectStore & { pathOf?: (key: string) => string; bucket?: string; fullKey?: (key: string) => string };
  if (store.kind === 'local' && local.pathOf) return `file://${local.pathOf(prefix)}`;
  // The S3 store may keep objects under a key prefix of its own; the URI names the object as S3 knows it.
  return `s3://${local.bucket ?? 'reef'}/${local.fullKey ? local.fullKey(prefix) : prefix}`;
}


/** Marks the run SUCCESS with its metrics once every unit is predicted; once (the run row is locked). */
export async function finalizeTraining(ctx: TrainingContext, runId: string): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
    if (!run || (run.status as RunStatus) !== 'RUNNING') return false;
    const parts = await tx.select().from(partitionExecutions).where(eq(partitionExecutions.runId, runId));
    const predicts = parts.filter((p) => p.partitionKey.startsWith('predict-')).sort((a, b) => a.partitionKey.localeCompare(b.partitionKey));
    if (predicts.length === 0 || predicts.some((p) => p.status !== 'SUCCESS')) return false;
    const { params } = trainRunOf(run);
    const contributions = parts.filter((p) => p.partitionKey.startsWith('votes-')).map((p) => p.output as UnitContribution);
    const fit = parts.find((p) => p.partitionKey === FIT_KEY)!.output as { report: FitReport };
    const counts = mergeCounts(contributions.map((c) => c.counts));
    const analysis = summarizeCounts(counts);
    const outputs = predicts.map((p) => p.output as PredictOutput);
    const labelCounts = outputs.map((o) => o.label_counts).reduce(addResultLabelCounts);
    const softmax = params.request.snorkel.output_type === 'softmax';
    const prefix = resultsPrefix(run.conceptId!, run.id);
    const now = new Date();
    const metrics: TrainMetrics = {
      rows: params.total_rows,
      coverage: analysis.coverage, overlap: analysis.overlap, conflict: analysis.conflict,
      lfs: analysis.lfs.map((s, j) => {
        const lf = params.lineage.lfs[j]!;
        return {
          name: lf.name, lf_id: lf.lf_id, version: lf.version, coverage: s.coverage, overlaps: s.overlaps, conflicts: s.conflicts, polarity: s.polarity,
          ...(s.empiricalAccuracy === undefined ? {} : { empirical_accuracy: s.empiricalAccuracy }),
        };
      }),
      label_distribution: Object.fromEntries(params.classes.map((c, y) => [c, labelCounts.perClass[y]!])),
      warnings: [oneClassWarning(labelCounts.perClass, counts.goldCounts?.perClass ?? [], params.classes)].filter((w) => w !== undefined),
      abstained: labelCounts.ties + labelCounts.uncovered,
      uncovered: labelCounts.uncovered,
      avg_confidence: softmax ? outputs.reduce((s, o) => s + (o.confidence_sum ?? 0), 0) / Math.max(1, params.total_rows) : null,
      fit: fit.report,
      lf_problems: contributions.flatMap((c) => c.problems),
      duration_s: (now.getTime() - (run.startedAt ?? run.createdAt).getTime()) / 1000,
      artifacts: { results_prefix: prefix, parts: outputs.map((o) => ({ key: o.key, rows: o.rows })), votes_prefix: `${prefix}/votes` },
    };
    await tx.update(runs).set({
      status: 'SUCCESS', finishedAt: now, metrics,
      progress: { phase: 'done', partitions_done: predicts.length, partitions_total: predicts.length, rows: params.total_rows },
    }).where(eq(runs.id, runId));
    await recordRunEvent(tx, runId, 'status', { status: 'SUCCESS', rows: params.total_rows });
    return true;
  });
}
