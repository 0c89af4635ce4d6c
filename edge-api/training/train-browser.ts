// A training the browser did, kept as a run like a server run: the browser uploads its results Parquet (the seed's
// columns, with its request and what it measured in the file's key-value metadata); the request is pinned against
// the catalog as a server run is, refused when the browser trained on other asset or LF versions than those, and the
// Parquet becomes the run's one results part. The job page, pagination, downloads and run history then treat it as
// any run, and it survives a reload.
import { z } from '@hono/zod-openapi';
import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { count, eq } from 'drizzle-orm';
import { countResultLabels, oneClassWarning } from '../../shared/labelmodel/index.ts';
import type { Db } from '../db/client.ts';
import { goldLabels, partitionExecutions, runs } from '../db/schema.ts';
import { DomainError } from '../domain-error.ts';
import type { ObjectStore } from '../storage/index.ts';
import { createRun, getRun, recordRunEvent, type RunRow } from '../runs/run-store.ts';
import { LabelModelParameters } from '../../shared/schema/label-model.ts';
import { FIT_KEY, type FitReport } from './train-fit.ts';
import { TrainRequest } from '../../shared/schema/training.ts';
import { pinTrainingRun, resultsPrefix, type TrainParams } from './train-spec.ts';
import { exportRunToMlflow } from './mlflow.ts';
import { resultsUri } from './train.ts';
import type { TrainMetrics } from './train-metrics.ts';
import { partKey } from '../storage/parts.ts';
import { BROWSER_TRAINING_KEY } from '../../shared/schema/training.ts';
import { PARQUET_MEDIA_TYPE } from '../../shared/schema/asset.ts';


const Rate = z.number().min(0).max(1);
export const BrowserTraining = z.object({
  request: TrainRequest,
  /** The asset versions the browser loaded: the index's, then its rules'. */
  asset_version_ids: z.array(z.uuid()).min(1),
  /** The LF versions whose votes it trained on, by LF id. */
  lf_versions: z.record(z.uuid(), z.number().int().min(1)),
  /** LF analysis over the training's label matrix (shared/analysis), in selectedLFs order. */
  analysis: z.object({
    coverage: Rate, overlap: Rate, conflict: Rate,
    lfs: z.array(z.object({ coverage: Rate, overlaps: Rate, conflicts: Rate, polarity: z.array(z.number().int()), empirical_accuracy: Rate.optional() })),
  }),
  fit: z.object({
    model: z.enum(['mv', 'snorkel', 'ds', 'fs']),
    params: z.record(z.string(), z.unknown()),
    fit_ms: z.number().min(0),
    /** Snorkel's learned LF accuracies, in selectedLFs order. */
    weights: z.array(z.number()).nullable(),
    /** The fitted numbers, kept as the run's fit so its label model exports as ONNX. */
    fitted: LabelModelParameters.optional(),
    /** auto: the candidates it weighed on the gold labels (shared/labelmodel/auto.ts CandidateSummary). */
    candidates: z.array(z.object({
      model: z.enum(['mv', 'snorkel', 'ds', 'fs']),
      params: z.record(z.string(), z.unknown()),
      score: Rate,
      win_rate: Rate.optional(),
      reference: z.boolean().optional(),
      chosen: z.boolean().optional(),
    })).optional(),
  }),
});
export type BrowserTraining = z.infer<typeof BrowserTraining>;

/** A browser run's params: a server run's, marked, with no units (the browser did the work). */
export type BrowserTrainParams = TrainParams & { source: 'browser'; weights: number[] | null };

const invalid = (message: string, details?: unknown) => new DomainError('VALIDATION_FAILED', message, details);

function readFooter(bytes: Uint8Array): FileMetaData {
  try {
    return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    throw invalid(`The body is not a Parquet file (${(err as Error).message}); send the results Parquet the studio writes.`);
  }
}

function readTraining(footer: FileMetaData): BrowserTraining {
  const text = footer.key_value_metadata?.find((kv) => kv.key === BROWSER_TRAINING_KEY)?.value;
  if (!text) throw invalid(`The results Parquet has no "${BROWSER_TRAINING_KEY}" metadata saying how it was trained.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(`The "${BROWSER_TRAINING_KEY}" metadata is not JSON.`);
  }
  const parsed = BrowserTraining.safeParse(json);
  if (!parsed.success) throw invalid(`The "${BROWSER_TRAINING_KEY}" metadata is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, parsed.error.issues);
  return parsed.data;
}

/** Refuses a result trained on other asset or LF versions than those current now: its lineage would be false. */
function checkVersions(params: TrainParams, training: BrowserTraining): void {
  const pinned = [params.lineage.index, ...params.lineage.rules];
  const loaded = new Set(training.asset_version_ids);
  const moved = pinned.filter((a) => !loaded.has(a.asset_version_id)).map((a) => `${a.name} (now v${a.version})`);
  if (moved.length || loaded.size !== pinned.length) {
    throw new DomainError('CONFLICT', `The browser trained on other asset versions than the current ones: ${moved.join(', ') || 'a different set of assets'}. Reload the studio and train again.`);
  }
  const stale = params.lineage.lfs.filter((lf) => training.lf_versions[lf.lf_id] !== lf.version).map((lf) => `${lf.name} (now v${lf.version}, trained on ${training.lf_versions[lf.lf_id] ?? 'none'})`);
  if (stale.length) throw new DomainError('CONFLICT', `The browser trained on other LF versions than the current ones: ${stale.join(', ')}. Train again.`);
  if (training.analysis.lfs.length !== params.lineage.lfs.length || (training.fit.weights && training.fit.weights.length !== params.lineage.lfs.length)) {
    throw invalid(`The analysis and weights must have one entry per selected LF (${params.lineage.lfs.length}).`);
  }
  const fitted = training.fit.fitted;
  if (fitted) {
    const m = params.lineage.lfs.length;
    const k = params.k;
    const shaped = fitted.m === m && fitted.k === k && (fitted.kind === 'mv' || (fitted.logTable.length === m * k * k && fitted.logPrior.length === k));
    if (!shaped) throw invalid(`The fitted model must be for ${m} LFs and ${k} classes (a log table of ${m * k * k} numbers and a log prior of ${k}).`);
  }
}

/**
 * The label counts and mean confidence, read from the Parquet itself (what the file says is what is reported), with
 * the same counting as a server run (shared/labelmodel/result-labels.ts). A row with n_votes 0 must be labeled -1.
 */
async function summarizeResults(bytes: ArrayBuffer, params: TrainParams, footer: FileMetaData) {
  const softmax = params.request.snorkel.output_type === 'softmax';
  const key = params.lineage.index.key_column;
  const m = params.lineage.lfs.length;
  const columns = parquetSchema(footer).children.map((c) => c.element.name);
  const wanted = [key, 'predicted_label', ...(softmax ? [...Array.from({ length: params.k }, (_, c) => `prob_class_${c}`), 'confidence'] : []), 'n_votes'];
  const missing = wanted.filter((c) => !columns.includes(c));
  if (missing.length) throw invalid(`The results Parquet lacks the column(s) ${missing.join(', ')}; it has ${columns.join(', ')}.`);
  const rows = Number(footer.num_rows);
  if (rows !== params.total_rows) throw invalid(`The results Parquet has ${rows} rows; the index ${params.lineage.index.name} v${params.lineage.index.version} has ${params.total_rows}.`);
  const labels = new Float64Array(rows);
  const nVotes = new Float64Array(rows);
  let confidenceSum = 0;
  let bad: string | undefined;
  await parquetRead({
    file: bytes, metadata: footer, columns: ['predicted_label', 'n_votes', ...(softmax ? ['confidence'] : [])],
    onChunk({ columnName, columnData, rowStart }) {
      const values = columnData as ArrayLike<number>;
      if (columnName === 'predicted_label') labels.set(Array.from(values, Number), rowStart);
      else if (columnName === 'n_votes') nVotes.set(Array.from(values, Number), rowStart);
      else {
        for (let i = 0; i < values.length; i++) {
          const v = Number(values[i]);
          if (v >= 0 && v <= 1) confidenceSum += v;
          else bad ??= `confidence ${v} is not within [0, 1]`;
        }
      }
    },
  });
  for (let i = 0; i < rows && !bad; i++) {
    const [y, votes] = [labels[i]!, nVotes[i]!];
    if (!(Number.isInteger(y) && y >= -1 && y < params.k)) bad = `predicted_label ${y} is not -1..${params.k - 1}`;
    else if (!(Number.isInteger(votes) && votes >= 0 && votes <= m)) bad = `n_votes ${votes} is not 0..${m} (the run has ${m} LFs)`;
    else if (votes === 0 && y !== -1) bad = `row ${i} has no votes but predicted_label ${y}; a row no LF voted on is -1`;
  }
  if (bad) throw invalid(`The results Parquet is not a valid result: ${bad}.`);
  return { counts: countResultLabels(labels, nVotes, params.k), avgConfidence: softmax ? confidenceSum / Math.max(1, rows) : null };
}

/**
 * Records an uploaded browser training as a SUCCESS run whose results part is the uploaded Parquet; logged to MLflow
 * too when a tracking URI is set, as server runs are.
 */
export async function recordBrowserTraining(
  ctx: { db: Db; store: ObjectStore; mlflowTrackingUri?: string }, conceptId: string, bytes: Uint8Array, createdBy?: string,
): Promise<RunRow> {
  const footer = readFooter(bytes);
  const training = readTraining(footer);
  // The browser's results file holds the key only (the index columns stay in the browser): the run says so.
  const pinnedParams = await pinTrainingRun(ctx.db, ctx.store, conceptId, { ...training.request, results_columns: 'key' });
  checkVersions(pinnedParams, training);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const { counts, avgConfidence } = await summarizeResults(buffer, pinnedParams, footer);
  const params: BrowserTrainParams = { ...pinnedParams, units: [], source: 'browser', weights: training.fit.weights };
  const run = await createRun(ctx.db, { kind: 'train', conceptId, params, createdBy });
  const prefix = resultsPrefix(conceptId, run.id);
  const key = partKey(prefix, 0);
  try {
    await ctx.store.put(key, bytes, { contentType: PARQUET_MEDIA_TYPE });
  } catch (err) {
    await ctx.db.update(runs).set({ status: 'FAILURE', finishedAt: new Date(), error: { code: 'OBJECT_STORE_UNAVAILABLE', message: `The results could not be stored: ${(err as Error).message}` } }).where(eq(runs.id, run.id));
    throw err;
  }
  const { analysis, fit } = training;
  const report: FitReport = {
    model: fit.model, params: fit.params, fit_rows: params.total_rows, fit_ms: Math.round(fit.fit_ms),
    ...(fit.candidates ? { criterion: 'dev', candidates: fit.candidates } : {}),
  };
  if (fit.fitted) {
    await ctx.db.insert(partitionExecutions).values({
      runId: run.id, partitionKey: FIT_KEY, status: 'SUCCESS', rowCount: params.total_rows, output: { model: fit.fitted, report }, attempts: 1, finishedAt: new Date(),
    });
  }
  const lineage = params.lineage;
  // The concept's gold labels per class, for the warning that the labels ignore a class.
  const gold = await ctx.db.select({ label: goldLabels.label, n: count() }).from(goldLabels).where(eq(goldLabels.conceptId, conceptId)).groupBy(goldLabels.label);
  const goldPerClass = params.classes.map((_, y) => Number(gold.find((g) => g.label === y)?.n ?? 0));
  const metrics: TrainMetrics = {
    rows: params.total_rows,
    coverage: analysis.coverage, overlap: analysis.overlap, conflict: analysis.conflict,
    lfs: analysis.lfs.map((s, j) => ({ name: lineage.lfs[j]!.name, lf_id: lineage.lfs[j]!.lf_id, version: lineage.lfs[j]!.version, ...s })),
    label_distribution: Object.fromEntries(params.classes.map((c, y) => [c, counts.perClass[y]!])),
    abstained: counts.ties + counts.uncovered,
    uncovered: counts.uncovered,
    avg_confidence: avgConfidence,
    fit: report,
    lf_problems: [],
    warnings: [oneClassWarning(counts.perClass, goldPerClass, params.classes)].filter((w) => w !== undefined),
    duration_s: fit.fit_ms / 1000,
    artifacts: { results_prefix: prefix, parts: [{ key, rows: params.total_rows }], votes_prefix: '' },
  };
  const now = new Date();
  await ctx.db.update(runs).set({
    status: 'SUCCESS', startedAt: now, finishedAt: now, lineage, metrics, progress: { phase: 'done', rows: params.total_rows, source: 'browser' },
  }).where(eq(runs.id, run.id));
  await recordRunEvent(ctx.db, run.id, 'status', { status: 'SUCCESS', rows: params.total_rows, source: 'browser' });
  const saved = (await getRun(ctx.db, run.id))!;
  if (ctx.mlflowTrackingUri) await exportRunToMlflow(ctx.db, ctx.mlflowTrackingUri, saved, resultsUri(ctx.store, prefix));
  return saved;
}
