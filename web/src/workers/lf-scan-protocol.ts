// What the data worker asks the scan worker (lf-scan.worker.ts): the second half of the rows once per load, then
// each text-scanning LF's votes over them.
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import type { AssetSchema, LfDefinition } from '../../../shared/lf/types.ts';
import type { FileColumn } from './batch-cache.ts';

export interface LfScanApi {
  /**
   * Starts reading rows [from, to) of these cached columns from their files (OPFS) and decoding their text, here,
   * while the data worker decodes its own copy; the load of the same number waits for them. Answers once started.
   */
  readRows(load: number, columns: Record<string, FileColumn>, from: number, to: number): void;
  /**
   * This worker's rows, rows [from, from + batch.length) of the samples: the batch's columns (moved), the files'
   * columns (read here) and those readRows started. `ms` is how long this worker spent getting them, reads included.
   */
  load(load: number, batch: ColumnBatch, files: Record<string, FileColumn>, from: number, schema: AssetSchema): Promise<{ ms: number }>;
  /** The LF's votes over this worker's rows (moved). */
  votes(def: Exclude<LfDefinition, { type: 'custom' | 'model' }>, k: number): Int8Array | Int16Array;
}
