// A trained result as the seed's result columns: the index key, predicted_label, for softmax output
// prob_class_0..k-1 and confidence, then n_votes. The same columns go to the page, the CSV and the Parquet download.
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { countResultLabels } from '../../../shared/labelmodel/result-labels.ts';
import { HISTOGRAM_BINS } from '../../../shared/schema/results.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { TrainedResult } from '../training/results-store.ts';

export interface ResultColumn { name: string; values: ArrayLike<unknown>; type: 'STRING' | 'INT32' | 'DOUBLE' | 'INT64' }

/** A training's predictions with the sample keys they belong to (row order). */
export interface ResultArrays extends Pick<TrainedResult, 'keyColumn' | 'preds' | 'probs' | 'nVotes' | 'n' | 'k' | 'output'> { keys: unknown[] }

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
    columns.push({ name: 'confidence', values: confidences(r), type: 'DOUBLE' });
  }
  columns.push({ name: 'n_votes', values: r.nVotes, type: 'INT32' });
  return columns;
}

/** Per row, the probability of the most likely class. */
export function confidences(r: Pick<TrainedResult, 'probs' | 'n' | 'k'>): Float64Array {
  const out = new Float64Array(r.n);
  for (let i = 0; i < r.n; i++) {
    let best = 0;
    for (let c = 0; c < r.k; c++) best = Math.max(best, r.probs[i * r.k + c]!);
    out[i] = best;
  }
  return out;
}

/**
 * Rows per predicted class, then at index k the voted rows left unlabeled (-1, a tie), and at index k + 1 the rows
 * no LF voted on (-1): counted as a server run counts them (shared/labelmodel/result-labels.ts).
 */
export function labelDistribution(r: Pick<TrainedResult, 'preds' | 'k' | 'nVotes'>): number[] {
  const counts = countResultLabels(r.preds, r.nVotes, r.k);
  return [...counts.perClass, counts.ties, counts.uncovered];
}

/** Counts of confidences in `bins` equal-width bins over [1/k, 1]. */
export function confidenceHistogram(conf: Float64Array, k: number, bins = HISTOGRAM_BINS): number[] {
  const lo = 1 / k;
  const counts = new Array<number>(bins).fill(0);
  for (const c of conf) counts[Math.min(bins - 1, Math.max(0, Math.floor(((c - lo) / (1 - lo)) * bins)))]!++;
  return counts;
}

const csvField = (v: unknown) => {
  const s = typeof v === 'bigint' ? v.toString() : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function resultCsv(columns: ResultColumn[]): string {
  const n = columns[0]?.values.length ?? 0;
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (let i = 0; i < n; i++) lines.push(columns.map((c) => csvField(c.values[i])).join(','));
  return `${lines.join('\n')}\n`;
}

/** The columns as Parquet; `metadata` goes into the file's key-value metadata (the server reads a training's lineage there). */
export function resultParquet(columns: ResultColumn[], metadata: Record<string, string> = {}): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: (c.type === 'INT32' ? Array.from(c.values as Int32Array) : c.values) as never, type: c.type, nullable: false })),
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
}

/** The CSV of a results Parquet: the same columns in the same order, numbers as JavaScript prints them (exact). */
export async function resultCsvFromParquet(parquet: ArrayBuffer): Promise<string> {
  const metadata = parquetMetadata(parquet);
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const rows = await parquetReadObjects({ file: parquet, metadata });
  return resultCsv(names.map((name) => ({ name, values: rows.map((r) => r[name]), type: 'STRING' })));
}
