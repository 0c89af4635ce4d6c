// Logging finished training runs to an MLflow tracking server through its REST API (MLFLOW_TRACKING_URI), as the
// seed did: one experiment per concept, the run's model settings as params, its metrics, and the results path as
// an artifact URI tag. PostgreSQL stays the run history of record; MLflow is an export.
import type { RunRow } from './run-store.ts';
import type { TrainMetrics } from './train.ts';
import type { TrainParams } from './train-spec.ts';

export class MlflowError extends Error {
  readonly code = 'MLFLOW_FAILED';
}

async function call<T>(base: string, method: 'GET' | 'POST', path: string, body?: object): Promise<{ status: number; json: T }> {
  const url = new URL(`api/2.0/mlflow/${path}`, base.endsWith('/') ? base : `${base}/`);
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
  if (m.avg_confidence !== null) out.push(['avg_confidence', m.avg_confidence]);
  if (m.fit.final_loss !== undefined) out.push(['final_loss', m.fit.final_loss]);
  if (m.fit.dev) out.push(['dev_accuracy', m.fit.dev.accuracy], ['dev_f1_macro', m.fit.dev.f1_macro]);
  for (const [label, count] of Object.entries(m.label_distribution)) out.push([`label_count.${label}`, count]);
  for (const lf of m.lfs) out.push([`lf_coverage.${lf.name}`, lf.coverage]);
  // MLflow keys allow letters, digits, _ - . / and space.
  return out.map(([k, v]) => [k.replace(/[^\w\-./ ]/g, '_'), v]);
}

/** Logs one finished training run; returns the MLflow ids. */
export async function logRunToMlflow(trackingUri: string, run: RunRow, options: { resultsUri: string }) {
  const params = run.params as TrainParams;
  const metrics = run.metrics as TrainMetrics;
  const experiment = await experimentId(trackingUri, `reef/${run.conceptId}`);
  const startTime = (run.startedAt ?? run.createdAt).getTime();
  const created = await call<{ run?: { info: { run_id: string } } }>(trackingUri, 'POST', 'runs/create', {
    experiment_id: experiment, start_time: startTime, run_name: `reef-${run.id}`,
    tags: [{ key: 'reef.run_id', value: run.id }, { key: 'reef.kind', value: run.kind }],
  });
  const mlflowRunId = created.json.run?.info.run_id;
  if (created.status !== 200 || !mlflowRunId) throw new MlflowError(`MLflow refused runs/create (HTTP ${created.status}).`);
  const { model } = params.lineage;
  const mlParams = [
    ['model', model.kind], ['epochs', model.epochs], ['lr', model.lr], ['l2', model.l2], ['optimizer', model.optimizer],
    ['seed', params.lineage.seed], ['sample_size', model.sample_size ?? 'all'], ['output_type', model.output_type], ['tie_break', model.tie_break],
    ['index_version', `${params.lineage.index.name}@v${params.lineage.index.version}`],
    ['lfs', params.lineage.lfs.map((lf) => `${lf.name}@v${lf.version}`).join(',').slice(0, 6000)],
  ].map(([key, value]) => ({ key: String(key), value: String(value) }));
  const timestamp = (run.finishedAt ?? new Date()).getTime();
  const batch = await call(trackingUri, 'POST', 'runs/log-batch', {
    run_id: mlflowRunId,
    params: mlParams,
    metrics: metricsOf(metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 })),
    tags: [{ key: 'reef.results_uri', value: options.resultsUri }, { key: 'reef.fitted_model', value: metrics.fit.model }],
  });
  if (batch.status !== 200) throw new MlflowError(`MLflow refused runs/log-batch (HTTP ${batch.status}).`);
  const updated = await call(trackingUri, 'POST', 'runs/update', { run_id: mlflowRunId, status: 'FINISHED', end_time: timestamp });
  if (updated.status !== 200) throw new MlflowError(`MLflow refused runs/update (HTTP ${updated.status}).`);
  return { experiment_id: experiment, mlflow_run_id: mlflowRunId };
}
