// Server-side training (the seed's /snorkel/run and /snorkel/jobs/{job_id}), the run history of a concept, and two
// runs compared. The job id is the run id: the seed's Dagster run id is kept as an alias of both.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, notFound } from '../errors.ts';
import { createRouter, errors, json, jsonBody, secured, webStream } from '../router.ts';
import { findConceptRun, listConceptRuns, type RunRow } from '../runs/run-store.ts';
import { startTraining, type TrainingContext } from '../training/train.ts';
import { recordBrowserTraining, type BrowserTrainParams } from '../training/train-browser.ts';
import { compareRuns, readPredictionPage } from '../training/train-results.ts';
import { readResultRows, summarizeResults, TrainSummaryError, writeResultsCsv, type GoldLabel } from '../training/train-summary.ts';
import { listTrainingSchedules, scheduleTraining, unscheduleTraining } from '../training/train-schedule.ts';
import { ScheduleName, TrainJob, TrainRequest, TrainSchedule, TrainScheduleCreate, TrainStarted } from '../../shared/schema/training.ts';
import type { TrainParams } from '../training/train-spec.ts';
import { loadConcept } from '../data/concepts.ts';
import { goldKeysAndLabels } from '../data/gold-labels.ts';
import { ConceptParams } from './concepts.ts';
import { Run, toRun } from './runs.ts';
import { RunComparison, RunKindFilter } from '../../shared/schema/run.ts';
import { ResultRows, ResultsSummary, RowFilter } from '../../shared/schema/results.ts';
import { trainRunOf } from '../training/train-run.ts';
import { PARQUET_MEDIA_TYPE } from '../../shared/schema/asset.ts';

const JobParams = ConceptParams.extend({ job_id: z.uuid({ message: 'job_id must be a training job id (UUID)' }) });

const tags = ['training'];
const run = createRoute({
  method: 'post', path: '/api/concepts/{c_id}/snorkel/run', tags, security: secured,
  summary: 'Train a label model on the server over materialized assets (runs on the worker processes)',
  request: { params: ConceptParams, ...jsonBody(TrainRequest) },
  responses: { 202: json(TrainStarted, 'The training run, queued; follow it at /api/runs/{run_id}/events'), ...errors },
});
const job = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/snorkel/jobs/{job_id}', tags, security: secured,
  summary: 'A training job: its status, and once finished a page of its predictions',
  request: {
    params: JobParams,
    query: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10_000).default(100) }),
  },
  responses: { 200: json(TrainJob, 'The job, with predictions[offset, offset+limit) when it succeeded'), ...errors },
});
/** A browser's results Parquet is held whole to be checked; 1M rows × k=2 is about 40 MB. */
export const MAX_BROWSER_RESULTS_BYTES = 256 * 1024 * 1024;
const saveBrowserRun = createRoute({
  method: 'post', path: '/api/concepts/{c_id}/snorkel/browser-runs', tags, security: secured,
  summary: 'Keep a training done in the browser as a run: the raw body is its results Parquet (key, predicted_label, prob_class_*, confidence, n_votes) with the request, LF versions and analysis in the file\'s "reef.browser_training" metadata',
  request: {
    params: ConceptParams,
    body: { required: true, content: { [PARQUET_MEDIA_TYPE]: { schema: z.string() } } },
  },
  responses: { 201: json(TrainStarted, 'The run, already SUCCESS; its results read like a server run\'s at /snorkel/jobs/{job_id}'), ...errors },
});
const download = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/snorkel/jobs/{job_id}/results', tags, security: secured,
  summary: 'Download one results Parquet part (key or index columns, predicted_label, prob_class_*, confidence, n_votes)',
  request: { params: JobParams, query: z.object({ part: z.coerce.number().int().min(0).default(0) }) },
  responses: { 200: { description: 'The Parquet bytes', content: { [PARQUET_MEDIA_TYPE]: { schema: z.string() } } }, ...errors },
});
const downloadCsv = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/snorkel/jobs/{job_id}/results.csv', tags, security: secured,
  summary: "Download every results row as one CSV (all parts, in order, the results' columns)",
  request: { params: JobParams },
  responses: { 200: { description: 'The CSV', content: { 'text/csv': { schema: z.string() } } }, ...errors },
});
const summaryRoute = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/snorkel/jobs/{job_id}/summary', tags, security: secured,
  summary: "A finished job's label counts, confidence histogram and gold-label metrics over all of its rows, and its LF table",
  request: { params: JobParams },
  responses: { 200: json(ResultsSummary, 'The summary, computed over every results row'), ...errors },
});
const rowsRoute = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/snorkel/jobs/{job_id}/rows', tags, security: secured,
  summary: "A page of a finished job's results rows with every results column and the row's gold label, optionally filtered",
  request: {
    params: JobParams,
    query: z.object({
      filter: RowFilter.default('all'),
      threshold: z.coerce.number().min(0).max(1).default(0.7).describe('low_confidence keeps rows whose confidence is below this'),
      offset: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(1000).default(50),
    }),
  },
  responses: { 200: json(ResultRows, 'The page'), ...errors },
});
const list = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/runs', tags, security: secured,
  summary: 'The concept\'s runs, newest first, with their parameters, metrics and lineage: training runs (browser and server) by default, materializations with kind=materialize, both with kind=all',
  request: { params: ConceptParams, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), kind: RunKindFilter.default('train') }) },
  responses: { 200: json(z.array(Run), 'Training runs'), ...errors },
});
const compare = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/runs/compare', tags, security: secured,
  summary: 'Compare two successful training runs: metric differences (b − a) and samples whose label flipped',
  request: {
    params: ConceptParams,
    query: z.object({ a: z.uuid(), b: z.uuid(), limit: z.coerce.number().int().min(0).max(10_000).default(100) }),
  },
  responses: {
    200: json(RunComparison, 'The comparison'),
    ...errors,
  },
});

const ScheduleParams = ConceptParams.extend({ name: ScheduleName });
const putSchedule = createRoute({
  method: 'post', path: '/api/concepts/{c_id}/snorkel/schedules', tags, security: secured,
  summary: 'Run a training request on a cron schedule (creates or replaces the schedule of that name)',
  request: { params: ConceptParams, ...jsonBody(TrainScheduleCreate) },
  responses: { 201: json(TrainSchedule, 'The schedule and its next three firings'), ...errors },
});
const listSchedules = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/snorkel/schedules', tags, security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(z.array(TrainSchedule), 'The concept\'s training schedules'), ...errors },
});
const removeSchedule = createRoute({
  method: 'delete', path: '/api/concepts/{c_id}/snorkel/schedules/{name}', tags, security: secured,
  request: { params: ScheduleParams },
  responses: { 204: { description: 'Unscheduled' }, ...errors },
});

function requireTrainer(trainer: TrainingContext | undefined): TrainingContext {
  if (!trainer) throw new ApiError(501, 'NOT_AVAILABLE', 'This deployment runs no workers; train from a Node deployment (reef serve / reef worker).');
  return trainer;
}

async function loadTrainRun(trainer: TrainingContext, conceptId: string, runId: string): Promise<RunRow> {
  const row = await findConceptRun(trainer.db, conceptId, 'train', runId);
  if (!row) throw notFound('training job in this concept', runId);
  return row;
}

async function loadFinishedTrainRun(trainer: TrainingContext, conceptId: string, runId: string): Promise<RunRow> {
  const row = await loadTrainRun(trainer, conceptId, runId);
  if (row.status !== 'SUCCESS') throw new ApiError(409, 'CONFLICT', `Job ${runId} is ${row.status}; its results can be read once it has succeeded.`);
  return row;
}

async function goldOf(trainer: TrainingContext, conceptId: string): Promise<GoldLabel[]> {
  return goldKeysAndLabels(trainer.db, conceptId);
}

export const trainingRoutes = () => createRouter()
  .openapi(run, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id } = c.req.valid('param');
    await loadConcept(trainer.db, c_id);
    const started = await startTraining(trainer, c_id, c.req.valid('json'), c.var.principal.name);
    return c.json({ job_id: started.id, run_id: started.id, dagster_run_id: started.id, status: toRun(started).status }, 202);
  })
  .openapi(job, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id, job_id } = c.req.valid('param');
    const { offset, limit } = c.req.valid('query');
    const row = await loadTrainRun(trainer, c_id, job_id);
    const { params } = trainRunOf(row);
    const outputType: 'softmax' | 'hard_labels' = params.request.snorkel.output_type === 'softmax' ? 'softmax' : 'hard_labels';
    const browser = (params as BrowserTrainParams).source === 'browser';
    const base = {
      job_id: row.id, run_id: row.id, dagster_run_id: row.id, status: toRun(row).status, output_type: outputType,
      source: browser ? 'browser' as const : 'server' as const, ...(browser ? { weights: (params as BrowserTrainParams).weights } : {}),
      request: params.request,
      progress: row.progress, error: row.error ?? null,
    };
    if (row.status !== 'SUCCESS') return c.json(base, 200);
    const { metrics } = trainRunOf(row);
    const page = await readPredictionPage(trainer.store, row, offset, limit);
    const summary = {
      total_samples: metrics.rows, avg_confidence: metrics.avg_confidence, label_distribution: metrics.label_distribution,
      abstained: metrics.abstained, ...(metrics.uncovered === undefined ? {} : { uncovered: metrics.uncovered }),
    };
    const results = metrics.artifacts.parts.map((p, part) => ({ part, url: `/api/concepts/${c_id}/snorkel/jobs/${row.id}/results?part=${part}`, rows: p.rows }));
    const predictions = outputType === 'softmax'
      ? page.labels.map((predicted_class, i) => ({
        sample_id: page.sampleIds[i], probs: page.probs![i]!, predicted_class, confidence: page.confidence![i]!, ...(page.nVotes ? { n_votes: page.nVotes[i]! } : {}),
      }))
      : page.labels;
    return c.json({
      ...base, predictions, ...(outputType === 'hard_labels' ? { sample_ids: page.sampleIds, ...(page.nVotes ? { n_votes: page.nVotes } : {}) } : {}),
      summary, offset, limit, metrics, results,
    }, 200);
  })
  .openapi(saveBrowserRun, async (c) => {
    const { db, store } = c.var.deps;
    if (!store) throw new ApiError(501, 'NOT_AVAILABLE', 'This deployment has no object store to keep results in; use a Node deployment (reef serve).');
    const { c_id } = c.req.valid('param');
    await loadConcept(db, c_id);
    const tooLarge = () => new ApiError(413, 'PAYLOAD_TOO_LARGE', `Browser results are kept up to ${MAX_BROWSER_RESULTS_BYTES / 2 ** 20} MB; train this pipeline with Run on server.`);
    if (Number(c.req.header('Content-Length') ?? 0) > MAX_BROWSER_RESULTS_BYTES) throw tooLarge();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length > MAX_BROWSER_RESULTS_BYTES) throw tooLarge();
    if (bytes.length === 0) throw new ApiError(400, 'VALIDATION_FAILED', 'Send the results Parquet as the request body.');
    const saved = await recordBrowserTraining({ db, store, mlflowTrackingUri: c.var.deps.trainer?.mlflowTrackingUri }, c_id, bytes, c.var.principal.name);
    return c.json({ job_id: saved.id, run_id: saved.id, dagster_run_id: saved.id, status: toRun(saved).status }, 201);
  })
  .openapi(download, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id, job_id } = c.req.valid('param');
    const { part } = c.req.valid('query');
    const row = await loadTrainRun(trainer, c_id, job_id);
    if (row.status !== 'SUCCESS') throw new ApiError(409, 'CONFLICT', `Job ${job_id} is ${row.status}; its results can be downloaded once it has succeeded.`);
    const parts = trainRunOf(row).metrics.artifacts.parts;
    const key = parts[part]?.key;
    if (!key) throw new ApiError(404, 'NOT_FOUND', `Job ${job_id} has ${parts.length} results part(s), numbered 0..${parts.length - 1}.`);
    const info = await trainer.store.head(key);
    if (!info) throw new ApiError(404, 'NOT_FOUND', `The results part ${part} of job ${job_id} is missing from the object store.`);
    const body = webStream(await trainer.store.get(key));
    return c.body(body, 200, {
      'Content-Type': PARQUET_MEDIA_TYPE, 'Content-Length': String(info.size),
      'Content-Disposition': `attachment; filename="reef-${job_id}-part-${String(part).padStart(5, '0')}.parquet"`,
    }) as never;
  })
  .openapi(downloadCsv, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id, job_id } = c.req.valid('param');
    const row = await loadFinishedTrainRun(trainer, c_id, job_id);
    const csv = await writeResultsCsv(trainer.store, row);
    const file = createReadStream(csv.path);
    file.once('close', () => void csv.done());
    return c.body(webStream(file), 200, {
      'Content-Type': 'text/csv; charset=utf-8', 'Content-Length': String((await stat(csv.path)).size),
      'Content-Disposition': `attachment; filename="reef-${job_id}.csv"`,
    }) as never;
  })
  .openapi(summaryRoute, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id, job_id } = c.req.valid('param');
    const row = await loadFinishedTrainRun(trainer, c_id, job_id);
    const summary = await summarizeResults(trainer.store, row, await goldOf(trainer, c_id));
    const { metrics } = trainRunOf(row);
    const params = row.params as TrainParams & Partial<BrowserTrainParams>;
    const learned = metrics.fit.lf_weights ?? params.weights ?? null;
    const lfs = metrics.lfs.map((lf, j) => ({
      name: lf.name, lf_id: lf.lf_id, coverage: lf.coverage, overlaps: lf.overlaps, conflicts: lf.conflicts,
      empirical_accuracy: lf.empirical_accuracy ?? null, learned_accuracy: learned?.[j] ?? null,
    }));
    return c.json({ ...summary, lfs }, 200);
  })
  .openapi(rowsRoute, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id, job_id } = c.req.valid('param');
    const row = await loadFinishedTrainRun(trainer, c_id, job_id);
    try {
      return c.json(await readResultRows(trainer.store, row, await goldOf(trainer, c_id), c.req.valid('query')), 200);
    } catch (err) {
      if (err instanceof TrainSummaryError) throw new ApiError(409, err.code, err.message);
      throw err;
    }
  })
  .openapi(list, async (c) => {
    const { c_id } = c.req.valid('param');
    const { limit, kind } = c.req.valid('query');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    const rows = await listConceptRuns(db, c_id, kind, limit);
    return c.json(rows.map(toRun), 200);
  })
  .openapi(compare, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id } = c.req.valid('param');
    const { a, b, limit } = c.req.valid('query');
    const [runA, runB] = [await loadTrainRun(trainer, c_id, a), await loadTrainRun(trainer, c_id, b)];
    const unfinished = [runA, runB].filter((r) => r.status !== 'SUCCESS');
    if (unfinished.length) throw new ApiError(409, 'CONFLICT', `Only successful runs can be compared; ${unfinished.map((r) => `${r.id} is ${r.status}`).join(', ')}.`);
    return c.json(await compareRuns(trainer.store, runA, runB, limit), 200);
  })
  .openapi(putSchedule, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id } = c.req.valid('param');
    const body = c.req.valid('json');
    await loadConcept(trainer.db, c_id);
    return c.json(await scheduleTraining(trainer, c_id, body.name, body.cron, body.tz, body.run, body.on_materialize), 201);
  })
  .openapi(listSchedules, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id } = c.req.valid('param');
    await loadConcept(trainer.db, c_id);
    return c.json(await listTrainingSchedules(trainer, c_id), 200);
  })
  .openapi(removeSchedule, async (c) => {
    const trainer = requireTrainer(c.var.deps.trainer);
    const { c_id, name } = c.req.valid('param');
    if (!(await unscheduleTraining(trainer, c_id, name))) throw new ApiError(404, 'NOT_FOUND', `No training schedule "${name}" in this concept; list them at GET …/snorkel/schedules.`);
    return c.body(null, 204);
  });
