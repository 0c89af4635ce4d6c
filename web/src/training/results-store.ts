// Browser-trained results, by job id, for the results page. They live in this tab's memory: training in the
// browser is the interactive loop; results to keep are produced by a server run.
/** The body of POST /api/concepts/{c_id}/snorkel/run that trains the same pipeline on the server. */
export interface ServerTrainRequest {
  selectedIndex: string;
  selectedRules: string[];
  selectedLFs: string[];
  snorkel: { epochs: number; lr: number; output_type: 'softmax' | 'hard' };
  model: 'auto' | 'snorkel' | 'mv' | 'ds';
  seed: number;
}

export interface TrainedResult {
  jobId: string;
  cId: string;
  values: string[];
  n: number;
  k: number;
  output: 'softmax' | 'hard';
  model: string;
  params: Record<string, unknown>;
  probs: Float64Array;
  preds: Int32Array;
  keyColumn: string;
  keys: unknown[];
  lfNames: string[];
  weights: number[] | null;
  /** 1 where no LF voted (the model can only answer its class prior there). */
  noVotes: Uint8Array;
  ms: number;
  createdAt: string;
  serverRequest: ServerTrainRequest;
}

const results = new Map<string, TrainedResult>();

export const saveResult = (r: TrainedResult) => { results.set(r.jobId, r); };
export const findResult = (jobId: string) => results.get(jobId);
