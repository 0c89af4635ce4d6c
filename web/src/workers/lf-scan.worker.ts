// A second core for LF runs: the data worker hands this worker the second half of the samples' rows once, then
// each edited LF is evaluated here over those rows while the data worker evaluates the first half. Cached columns'
// rows are read from their files here, so their text is decoded on this core, not copied from the data worker.
import * as Comlink from 'comlink';
import type { BatchColumn, ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import type { AssetSchema } from '../../../shared/lf/types.ts';
import { batchFolder, readFileRows } from './batch-cache.ts';
import type { LfScanApi } from './lf-scan-protocol.ts';

let rows: { batch: ColumnBatch; schema: AssetSchema } | undefined;
/** Loads started: an earlier load whose reads end after a later one's never puts its rows back. */
let loads = 0;

const api: LfScanApi = {
  async load(batch, files, from, schema) {
    rows = undefined;
    const mine = ++loads;
    const folder = await batchFolder();
    const read = await Promise.all(Object.entries(files).map(async ([name, column]): Promise<[string, BatchColumn]> => [name, await readFileRows(folder, column, from, from + batch.length)]));
    if (mine === loads) rows = { batch: { length: batch.length, columns: { ...Object.fromEntries(read), ...batch.columns } }, schema };
  },
  votes(def, k) {
    if (!rows) throw new Error('The scan worker has no rows yet.');
    const votes = compileLf(def, rows.schema, k).evaluate!(rows.batch);
    return Comlink.transfer(votes, [votes.buffer]);
  },
};

Comlink.expose(api);
