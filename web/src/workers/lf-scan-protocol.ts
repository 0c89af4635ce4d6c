// What the data worker asks the scan worker (lf-scan.worker.ts): the second half of the rows once per load, then
// each text-scanning LF's votes over them.
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import type { AssetSchema, LfDefinition } from '../../../shared/lf/types.ts';
import type { FileColumn } from './batch-cache.ts';

export interface LfScanApi {
  /**
   * This worker's rows, rows [from, from + batch.length) of the samples: the batch's columns (moved) and the cached
   * columns' rows, read from their files (OPFS) and decoded here.
   */
  load(batch: ColumnBatch, files: Record<string, FileColumn>, from: number, schema: AssetSchema): Promise<void>;
  /** The LF's votes over this worker's rows (moved). */
  votes(def: Exclude<LfDefinition, { type: 'custom' | 'model' }>, k: number): Int8Array | Int16Array;
}
