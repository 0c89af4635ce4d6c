// The train worker's messages, typed once for both sides (duckdb-wasm's worker_request.ts habit): the data worker
// sends a label matrix and the Train node's settings over the MessagePort the page connected them with, the worker
// answers with the fit and what the results page shows.
// Only shared/ types here (and which arrays move), so neither the worker nor the page imports the other's folders.
import type { CandidateSummary } from '../../../shared/labelmodel/auto.ts';
import type { LabelArray } from '../../../shared/labelmodel/matrix.ts';
import type { LabelModelParameters } from '../../../shared/schema/label-model.ts';
import type { TrainRequest } from '../../../shared/schema/training.ts';

/** The fit's part of the Train node's settings: a train request's model, seed and Snorkel epochs and step. */
export type TrainFitSettings = Pick<TrainRequest, 'model' | 'seed'> & Pick<TrainRequest['snorkel'], 'epochs' | 'lr'>;

/** The n×m label matrix (Int16Array when k > 127), moved to the worker, and each row's gold label (-1: none). */
export interface TrainInput {
  L: LabelArray; n: number; m: number; k: number; gold: Int32Array; settings: TrainFitSettings;
  /** What the data worker had already counted of this matrix (its LF analysis with the gold labels, and votes per
   *  row, moved), when its LFs are all the session's; otherwise the train worker counts them from L. */
  counted?: { analysis: TrainAnalysis; nVotes: Int32Array };
}

export interface TrainOutput {
  probs: Float64Array;
  preds: Int32Array;
  model: string;
  params: Record<string, unknown>;
  /** auto: every candidate it weighed on the gold labels, the chosen one marked (shared/labelmodel/auto.ts). */
  candidates?: CandidateSummary[];
  /** Snorkel's learned LF accuracies (get_weights), when the model is Snorkel's. */
  weights: Float64Array | null;
  /** The fitted numbers, kept with the run so its label model exports as ONNX (edge-api/models/onnx-export.ts). */
  fitted: LabelModelParameters;
  /** Per row, how many LFs voted; where none did the label is -1 and the probabilities are the model's class prior. */
  nVotes: Int32Array;
  /** The LF analysis of the matrix trained on (shared/analysis, with the gold labels), kept with the run. */
  analysis: TrainAnalysis;
  /** The fit and predict (what a run records as fit_ms). */
  ms: number;
  /** Where the train worker's time went (ms): stats, fit, predict, labels, analysis. */
  phases: Record<string, number>;
}

/** The output's arrays, which move (never copy) from the train worker to the data worker, which keeps them. */
export function movedArrays({ probs, preds, nVotes, weights }: TrainOutput): ArrayBuffer[] {
  return [probs.buffer, preds.buffer, nVotes.buffer, ...(weights ? [weights.buffer] : [])] as ArrayBuffer[];
}

export interface TrainAnalysis {
  coverage: number;
  overlap: number;
  conflict: number;
  lfs: { coverage: number; overlaps: number; conflicts: number; polarity: number[]; empirical_accuracy?: number }[];
}

export interface TrainApi {
  /** Serves this API on `port` (moved) too: the page connects the data worker to it, so label matrices skip the page. */
  connect(port: MessagePort): void;
  /** Fits the label model; `onEpoch` hears Snorkel's progress (at most ~50 times). */
  fit(input: TrainInput, onEpoch: (epoch: number, epochs: number) => void): TrainOutput;
  /** A results Parquet as CSV (the download). */
  resultCsv(parquet: Blob): Promise<Blob>;
}
