// Logging finished training runs to an MLflow tracking server through its REST API (MLFLOW_TRACKING_URI), as the
// seed did: one experiment per concept, the run's model settings as params, its metrics, the results' location, the
// LF snapshot and the label model's model.onnx as artifacts, and the label model registered as a model version under
// the concept's name. PostgreSQL stays the run history of record; MLflow is an export.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { concepts } from '../db/schema.ts';
import { RunModelExportError, runLabelModelOnnx } from '../models/onnx-export.ts';
import { recordRunEvent, type RunRow } from '../runs/run-store.ts';
import type { TrainMetrics } from './train-metrics.ts';
import { trainRunOf } from './train-run.ts';

export class MlflowError extends Error {
  readonly code = 'MLFLOW_FAILED';
}

const apiUrl = (base: string, path: string) => new URL(`api/2.0/${path}`, base.endsWith('/') ? base : `${base}/`);

async function call<T>(base: string, method: 'GET' | 'POST', path: string, body?: object): Promise<{ status: number; json: T }> {
  const url = apiUrl(base, `mlflow/${path}`);
  if (method === 'GET' && body) for (const [k, v] of Object.entries(body)) url.searchParams.set(k, String(v));
  const res = await fetch(url, {
    method,
    headers: method === 'POST' ? { 'Content-Type': 'application/json' } : {},
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as T };
}

async function experimentId(base: string, name: string): Promise<string> {
  const found = await call<{ experiment?: { experiment_id: string }; error_code?: string }>(base, 'GET', 'experiments/get-by-name', { experiment_name: name });
  if (found.status === 200 && found.json.experiment) return found.json.experiment.experiment_id;
  if (found.json.error_code !== 'RESOURCE_DOES_NOT_EXIST') throw new MlflowError(`MLflow did not answer experiments/get-by-name (HTTP ${found.status}).`);
  const created = await call<{ experiment_id?: string }>(base, 'POST', 'experiments/create', { name });
  if (created.status !== 200 || !created.json.experiment_id) throw new MlflowError(`MLflow refused to create experiment "${name}" (HTTP ${created.status}).`);
  return created.json.experiment_id;
}

/** MLflow metric keys: the run's scalar metrics, per-LF coverage, and the label distribution. */
function metricsOf(m: TrainMetrics): [string, number][] {
  const out: [string, number][] = [
    ['rows', m.rows], ['coverage', m.coverage], ['overlap', m.overlap], ['conflict', m.conflict], ['abstained', m.abstained],
    ['duration_s', m.duration_s], ['fit_ms', m.fit.fit_ms],
  ];
  if (m.uncovered !== undefined) out.push(['uncovered', m.uncovered]);
  if (m.avg_confidence !== null) out.push(['avg_confidence', m.avg_confidence]);
  if (m.fit.final_loss !== undefined) out.push(['final_loss', m.fit.final_loss]);
  if (m.fit.dev) out.push(['dev_accuracy', m.fit.dev.accuracy], ['dev_f1_macro', m.fit.dev.f1_macro]);
  for (const [label, count] of Object.entries(m.label_distribution)) out.push([`label_count.${label}`, count]);
  for (const lf of m.lfs) out.push([`lf_coverage.${lf.name}`, lf.coverage]);
  // MLflow keys allow letters, digits, _ - . / and space.
  return out.map(([k, v]) => [k.replace(/[^\w\-./ ]/g, '_'), v]);
}

/** A file to keep with the MLflow run, at `path` under its artifact root. */
export type MlflowArtifact = { path: string; bytes: Uint8Array | string; contentType: string };

/**
 * Uploads through MLflow's artifact proxy (`mlflow-artifacts`, the default of `mlflow server` since 2.0). A run whose
 * artifact root is a store Reef cannot write through REST (s3://, file:) gets a tag saying so instead.
 */
async function uploadArtifacts(base: string, artifactUri: string, artifacts: MlflowArtifact[]): Promise<string[]> {
  const proxied = /^mlflow-artifacts:\/*(.*)$/.exec(artifactUri);
  if (!proxied) return [];
  for (const artifact of artifacts) {
    const res = await fetch(apiUrl(base, `mlflow-artifacts/artifacts/${proxied[1]}/${artifact.path}`), {
      method: 'PUT', headers: { 'Content-Type': artifact.contentType },
      body: typeof artifact.bytes === 'string' ? artifact.bytes : new Uint8Array(artifact.bytes), signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new MlflowError(`MLflow refused the upload of artifact ${artifact.path} (HTTP ${res.status}).`);
  }
  return artifacts.map((a) => a.path);
}

/** Registers the run's `model/` artifacts as a new version of the registered model `name` (created on first use). */
async function registerModelVersion(base: string, name: string, source: string, runId: string): Promise<string> {
  const created = await call<{ error_code?: string }>(base, 'POST', 'registered-models/create', { name });
  if (created.status !== 200 && created.json.error_code !== 'RESOURCE_ALREADY_EXISTS') {
    throw new MlflowError(`MLflow refused registered-models/create for "${name}" (HTTP ${created.status}).`);
  }
  const version = await call<{ model_version?: { version: string } }>(base, 'POST', 'model-versions/create', { name, source, run_id: runId });
  if (version.status !== 200 || !version.json.model_version) {
    throw new MlflowError(`MLflow refused model-versions/create for "${name}" (HTTP ${version.status}).`);
  }
  return version.json.model_version.version;
}

/** Logs one finished training run with its artifacts and registers its label model; returns the MLflow ids. */
export async function logRunToMlflow(
  trackingUri: string, run: RunRow,
  options: { resultsUri: string; registeredModel: string; modelOnnx?: Uint8Array },
) {
  const { params, metrics } = trainRunOf(run);
  const experiment = await experimentId(trackingUri, `reef/${run.conceptId}`);
  const startTime = (run.startedAt ?? run.createdAt).getTime();
  const created = await call<{ run?: { info: { run_id: string; artifact_uri?: string } } }>(trackingUri, 'POST', 'runs/create', {
    experiment_id: experiment, start_time: startTime, run_name: `reef-${run.id}`,
    tags: [{ key: 'reef.run_id', value: run.id }, { key: 'reef.kind', value: run.kind }],
  });
  const mlflowRunId = created.json.run?.info.run_id;
  if (created.status !== 200 || !mlflowRunId) throw new MlflowError(`MLflow refused runs/create (HTTP ${created.status}).`);
  const artifactUri = created.json.run?.info.artifact_uri ?? '';
  const { model } = params.lineage;
  const mlParams = [
    ['model', model.kind], ['epochs', model.epochs], ['lr', model.lr], ['l2', model.l2], ['optimizer', model.optimizer],
    ['seed', params.lineage.seed], ['sample_size', model.sample_size ?? 'all'], ['output_type', model.output_type], ['tie_break', model.tie_break],
    ['index_version', `${params.lineage.index.name}@v${params.lineage.index.version}`],
    ['lfs', params.lineage.lfs.map((lf) => `${lf.name}@v${lf.version}`).join(',').slice(0, 6000)],
  ].map(([key, value]) => ({ key: String(key), value: String(value) }));
  const uploaded = await uploadArtifacts(trackingUri, artifactUri, [
    { path: 'results.json', contentType: 'application/json', bytes: JSON.stringify({ results_uri: options.resultsUri, reef_run_id: run.id }) },
    { path: 'lfs.json', contentType: 'application/json', bytes: JSON.stringify(params.lineage.lfs, null, 2) },
    ...(options.modelOnnx ? [{ path: 'model/model.onnx', contentType: 'application/octet-stream', bytes: options.modelOnnx }] : []),
  ]);
  const timestamp = (run.finishedAt ?? new Date()).getTime();
  const batch = await call(trackingUri, 'POST', 'runs/log-batch', {
    run_id: mlflowRunId,
    params: mlParams,
    metrics: metricsOf(metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 })),
    tags: [
      { key: 'reef.results_uri', value: options.resultsUri }, { key: 'reef.fitted_model', value: metrics.fit.model },
      { key: 'reef.artifacts', value: uploaded.length ? uploaded.join(',') : `not uploaded: artifact root ${artifactUri || '(none)'} is not an mlflow-artifacts proxy` },
    ],
  });
  if (batch.status !== 200) throw new MlflowError(`MLflow refused runs/log-batch (HTTP ${batch.status}).`);
  const modelVersion = uploaded.includes('model/model.onnx')
    ? await registerModelVersion(trackingUri, options.registeredModel, `${artifactUri}/model`, mlflowRunId)
    : null;
  const updated = await call(trackingUri, 'POST', 'runs/update', { run_id: mlflowRunId, status: 'FINISHED', end_time: timestamp });
  if (updated.status !== 200) throw new MlflowError(`MLflow refused runs/update (HTTP ${updated.status}).`);
  return { experiment_id: experiment, mlflow_run_id: mlflowRunId, registered_model: options.registeredModel, model_version: modelVersion };
}

/**
 * Exports a finished training run to MLflow under its concept's name and records the outcome as a run event: an
 * MLflow outage never fails a run that has succeeded.
 */
export async function exportRunToMlflow(db: Db, trackingUri: string, run: RunRow, resultsUri: string): Promise<void> {
  try {
    const [concept] = await db.select({ name: concepts.name }).from(concepts).where(eq(concepts.id, run.conceptId!));
    // A run kept without its fitted numbers (an older studio) still logs, without a model to register.
    const modelOnnx = await runLabelModelOnnx(db, run).catch((err) => {
      if (err instanceof RunModelExportError) return undefined;
      throw err;
    });
    const logged = await logRunToMlflow(trackingUri, run, {
      resultsUri, registeredModel: concept?.name ?? `reef-${run.conceptId}`, modelOnnx,
    });
    await recordRunEvent(db, run.id, 'mlflow', logged);
  } catch (err) {
    await recordRunEvent(db, run.id, 'mlflow_error', { message: (err as Error).message });
  }
}
