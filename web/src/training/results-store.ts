// Browser-trained results, by job id, for the results page while this tab has them in memory. Each is also kept
// on the server as a run (POST …/snorkel/browser-runs), so its job id is the run's and the page survives a reload
// (then read from the API, as a server run's); when that fails, the result lives in this tab only, under a
// `browser-…` id, and the page says why.
import type { CandidateSummary } from '../../../shared/labelmodel/auto.ts';
import type { TrainRequestBody } from '../../../shared/schema/training.ts';
import type { ResultRowArrays } from '../workers/studio-data-protocol.ts';

/** The body of POST /api/concepts/{c_id}/snorkel/run that trains the same pipeline on the server. */
export type ServerTrainRequest = TrainRequestBody;

export interface TrainedResult {
  jobId: string;
  cId: string;
  values: string[];
  n: number;
  k: number;
  output: 'softmax' | 'hard';
  model: string;
  params: Record<string, unknown>;
  /** auto: the candidates it weighed (shared/labelmodel/auto.ts CandidateSummary). */
  candidates?: CandidateSummary[];
  /** The first rows' probabilities (n×k row-major), labels, votes per row (0: no LF voted, predicted_label -1; the
   *  probabilities are the model's class prior there) and top probabilities; all rows are in the results Parquet. */
  head: ResultRowArrays;
  /** What the Train node asked for (e.g. auto); `model` is what ran. */
  requestedModel?: string;
  /** Said on the results page when the labels all but ignore a class the gold labels have. */
  warning?: string;
  keyColumn: string;
  lfNames: string[];
  weights: number[] | null;
  /** Rows per class, ties, no votes (shared/labelmodel's labelDistribution); the confidence histogram of voted rows. */
  distribution: number[];
  histogram: number[];
  ms: number;
  createdAt: string;
  serverRequest: ServerTrainRequest;
  /** The results Parquet the download gives and the server keeps (written in the data worker). */
  parquet: Blob;
  /** Why the server did not keep this result; absent when it did (then jobId is the run id). */
  notKept?: string;
}

const results = new Map<string, TrainedResult>();

export const saveResult = (r: TrainedResult) => { results.set(r.jobId, r); };
export const findResult = (jobId: string) => results.get(jobId);
