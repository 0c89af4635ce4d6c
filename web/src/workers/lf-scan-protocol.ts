// What the data worker asks the scan worker (lf-scan.worker.ts): the second half of the rows once per load, then
// each text-scanning LF's votes over them.
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import type { AssetSchema, LfDefinition } from '../../../shared/lf/types.ts';

export interface LfScanApi {
  load(batch: ColumnBatch, schema: AssetSchema): void;
  /** The LF's votes over this worker's rows (moved). */
  votes(def: Exclude<LfDefinition, { type: 'custom' | 'model' }>, k: number): Int8Array | Int16Array;
}
