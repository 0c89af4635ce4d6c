// A second core for LF runs: the data worker hands this worker the second half of the samples' rows once, then
// each edited LF is evaluated here over those rows while the data worker evaluates the first half.
import * as Comlink from 'comlink';
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import type { AssetSchema, LfDefinition } from '../../../shared/lf/types.ts';

let rows: { batch: ColumnBatch; schema: AssetSchema } | undefined;

const api = {
  load(batch: ColumnBatch, schema: AssetSchema): void {
    rows = { batch, schema };
  },
  /** The LF's votes over this worker's rows, moved to the caller. */
  votes(def: Exclude<LfDefinition, { type: 'custom' | 'model' }>, k: number) {
    if (!rows) throw new Error('The scan worker has no rows yet.');
    const votes = compileLf(def, rows.schema, k).evaluate!(rows.batch);
    return Comlink.transfer(votes, [votes.buffer]);
  },
};

export type LfScanApi = typeof api;
Comlink.expose(api);
