// What the data worker asks the model-LF worker (model-lf.worker.ts, onnxruntime-web) and what it answers.
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import type { ModelLfSpec } from '../../../shared/onnx/model-lf.ts';

/** An uploaded model, fetched with the token the page gave the data worker. */
export interface ModelSource { conceptId: string; modelId: string; token: string }

/** The votes (moved), or the error as a value: error codes do not survive postMessage. */
export type ModelVotes = { votes: Int8Array; ms: number } | { code: string; message: string };

export interface ModelLfApi {
  votes(model: ModelSource, spec: ModelLfSpec, batch: ColumnBatch, batchRows?: number): Promise<ModelVotes>;
}
