// Runs (materialization, training on the server): start one, then follow its progress events to the end.
import type { Run, RunComparison, RunKindFilter, RunStatus } from '../../../shared/schema/run.ts';
import { ApiRequestError, apiPath, request, requestJson } from './request.ts';
import { readEventStream } from './server-sent-events.ts';

export type { Run, RunComparison, RunStatus };

/** A failed run's error as the API stores it: `{ code, message }`. */
export function runError(run: Pick<Run, 'error'>): { code?: string; message?: string } | null {
  return run.error && typeof run.error === 'object' ? run.error as { code?: string; message?: string } : null;
}

/** The concept's runs, newest first. */
export const conceptRuns = (cId: string, kind: RunKindFilter = 'all', limit = 100) =>
  requestJson<Run[]>(apiPath`/api/concepts/${cId}/runs?kind=${kind}&limit=${limit}`);

/** Two training runs side by side: metric differences (b − a) and the samples whose label flipped. */
export const compareRuns = (cId: string, a: string, b: string, limit = 50) =>
  requestJson<RunComparison>(apiPath`/api/concepts/${cId}/runs/compare?a=${a}&b=${b}&limit=${limit}`);

export const getRun = (runId: string) => requestJson<Run>(apiPath`/api/runs/${runId}`);
/** A finished training run's fitted label model as ONNX, for downloadFromApi. */
export const labelModelOnnxPath = (runId: string) => apiPath`/api/runs/${runId}/model.onnx`;

export interface RunProgress {
  status: RunStatus;
  rowsDone: number;
  /** 0..1 when the run knows its total (partitions), else undefined. */
  fraction?: number;
  message?: string;
}

const FINISHED: RunStatus[] = ['SUCCESS', 'FAILURE', 'CANCELED'];
const numberIn = (data: Record<string, unknown>, ...keys: string[]) => {
  for (const key of keys) if (typeof data[key] === 'number') return data[key] as number;
  return undefined;
};

/** Folds one progress event into the run's progress. Event data names vary by run kind; the known ones are read. */
export function applyRunEvent(progress: RunProgress, kind: string, data: Record<string, unknown>): RunProgress {
  const next = { ...progress };
  const rows = numberIn(data, 'rows_written', 'rows_done', 'rows');
  if (rows !== undefined) next.rowsDone = Math.max(next.rowsDone, rows);
  const done = numberIn(data, 'partitions_done', 'partition_done');
  const total = numberIn(data, 'partitions_total', 'partitions', 'total_partitions');
  if (done !== undefined && total) next.fraction = done / total;
  const status = (data.status ?? (kind === 'status' ? data.to : undefined)) as RunStatus | undefined;
  if (status && ['PENDING', 'RUNNING', ...FINISHED].includes(status)) next.status = status;
  if (kind === 'error' || typeof data.message === 'string') next.message = String(data.message ?? '');
  if (next.status === 'SUCCESS') next.fraction = 1;
  return next;
}

/**
 * Follows `/api/runs/{id}/events` until the stream ends, reporting progress as it changes, then returns the run as
 * the API has it. The stream is fetched (not EventSource) so the token travels in the Authorization header.
 */
export async function followRun(runId: string, onProgress: (p: RunProgress) => void, signal?: AbortSignal): Promise<Run> {
  let progress: RunProgress = { status: 'PENDING', rowsDone: 0 };
  // A stream the API refuses leaves the progress as it is: the run itself is read below either way.
  const res = await request(apiPath`/api/runs/${runId}/events`, { accept: 'text/event-stream', signal })
    .catch((e: unknown) => { if (e instanceof ApiRequestError) return undefined; throw e; });
  if (res?.body) {
    await readEventStream(res.body, (e) => {
      let data: Record<string, unknown> = {};
      try { data = JSON.parse(e.data) as Record<string, unknown>; } catch { data = { message: e.data }; }
      progress = applyRunEvent(progress, e.event, data);
      onProgress(progress);
    });
  }
  return getRun(runId);
}
