// Training on the server and what a training job keeps: its status, results summary and rows, downloads, schedules;
// and a browser training kept as a run (uploaded by the data worker, so the bytes never cross the main thread).
import type { ResultRows, ResultsSummary, RowFilter } from '../../../shared/schema/results.ts';
import type { TrainJob, TrainRequestBody, TrainSchedule, TrainScheduleCreateBody, TrainStarted } from '../../../shared/schema/training.ts';
import { ApiRequestError, apiPath, requestJson } from './request.ts';
import { PARQUET_MEDIA_TYPE } from '../../../shared/schema/asset.ts';

export type { TrainJob, TrainSchedule };

const jobPath = (cId: string, jobId: string) => apiPath`/api/concepts/${cId}/snorkel/jobs/${jobId}`;

/** Trains the request's pipeline (pinned anew) on the server's workers. */
export const startServerTraining = (cId: string, request: TrainRequestBody) =>
  requestJson<TrainStarted>(apiPath`/api/concepts/${cId}/snorkel/run`, { method: 'POST', json: request });

/** The job without its predictions (one row at most: the page reads rows through resultRows). */
export const getTrainJob = (cId: string, jobId: string) => requestJson<TrainJob>(`${jobPath(cId, jobId)}?limit=1`);
export const resultsSummary = (cId: string, jobId: string) => requestJson<ResultsSummary>(`${jobPath(cId, jobId)}/summary`);
export const resultRows = (cId: string, jobId: string, page: { filter: RowFilter; threshold: number; offset: number; limit: number }) =>
  requestJson<ResultRows>(`${jobPath(cId, jobId)}/rows?filter=${page.filter}&threshold=${page.threshold}&offset=${page.offset}&limit=${page.limit}`);
/** Every results row as one CSV, for downloadFromApi. */
export const resultsCsvPath = (cId: string, jobId: string) => `${jobPath(cId, jobId)}/results.csv`;

/** Uploads a browser training's results Parquet as a run; its job id, or why the server did not keep it. */
export async function keepBrowserRun(cId: string, token: string, parquet: ArrayBuffer): Promise<{ jobId: string } | { error: string }> {
  try {
    const kept = await requestJson<TrainStarted>(apiPath`/api/concepts/${cId}/snorkel/browser-runs`, {
      method: 'POST', token, contentType: PARQUET_MEDIA_TYPE, body: parquet,
    });
    return { jobId: kept.job_id };
  } catch (e) {
    return { error: e instanceof ApiRequestError ? `${e.message} (${e.code})` : (e as Error).message };
  }
}

const schedulesPath = (cId: string) => apiPath`/api/concepts/${cId}/snorkel/schedules`;
export const listSchedules = (cId: string) => requestJson<TrainSchedule[]>(schedulesPath(cId));
export const saveSchedule = (cId: string, body: TrainScheduleCreateBody) =>
  requestJson<TrainSchedule>(schedulesPath(cId), { method: 'POST', json: body });
export const removeSchedule = (cId: string, name: string) => requestJson<void>(`${schedulesPath(cId)}/${encodeURIComponent(name)}`, { method: 'DELETE' });
