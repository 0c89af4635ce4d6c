// A trained result as the seed's result columns: the index key, predicted_label, for softmax output
// prob_class_0..k-1 and confidence, then n_votes. The same columns go to the page, the CSV and the Parquet download.
// The numbers (confidence, its histogram, the label counts) are shared/labelmodel's; this file writes the Parquet,
// result-csv.ts the CSV. Only the data worker writes it (the results it keeps as a run).
import { confidences } from '../../../shared/labelmodel/confidence.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { TrainOutput } from './train-protocol.ts';

export interface ResultColumn { name: string; values: ArrayLike<unknown>; type: 'STRING' | 'INT32' | 'DOUBLE' | 'INT64' }

/** A training's predictions with the sample keys they belong to (row order), and the Train node's output mode;
 *  each row's confidence when already computed. */
export interface ResultArrays extends Pick<TrainOutput, 'preds' | 'probs' | 'nVotes'> {
  n: number; k: number; output: 'softmax' | 'hard'; keyColumn: string; keys: unknown[]; confidence?: Float64Array;
}

export function resultColumns(r: ResultArrays): ResultColumn[] {
  const keysAreNumbers = r.keys.every((v) => typeof v === 'number' && Number.isSafeInteger(v));
  const columns: ResultColumn[] = [
    keysAreNumbers
      ? { name: r.keyColumn, values: r.keys.map((v) => BigInt(v as number)), type: 'INT64' }
      : { name: r.keyColumn, values: r.keys.map(String), type: 'STRING' },
    { name: 'predicted_label', values: r.preds, type: 'INT32' },
  ];
  if (r.output === 'softmax') {
    for (let c = 0; c < r.k; c++) columns.push({ name: `prob_class_${c}`, values: Float64Array.from({ length: r.n }, (_, i) => r.probs[i * r.k + c]!), type: 'DOUBLE' });
    columns.push({ name: 'confidence', values: r.confidence ?? confidences(r.probs, r.k), type: 'DOUBLE' });
  }
  columns.push({ name: 'n_votes', values: r.nVotes, type: 'INT32' });
  return columns;
}

/** The columns as Parquet; `metadata` goes into the file's key-value metadata (the server reads a training's lineage there). */
export function resultParquet(columns: ResultColumn[], metadata: Record<string, string> = {}): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: (c.type === 'INT32' ? Array.from(c.values as Int32Array) : c.values) as never, type: c.type, nullable: false })),
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
}
