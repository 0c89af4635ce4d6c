// A second core for LF runs: the data worker hands this worker the second half of the samples' rows once, then
// each edited LF is evaluated here over those rows while the data worker evaluates the first half. Cached columns'
// rows are read from their files here, so their text is decoded on this core, not copied from the data worker.
import * as Comlink from 'comlink';
import type { BatchColumn, ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import type { AssetSchema } from '../../../shared/lf/types.ts';
import { batchFolder, readFileRows, type FileColumn } from './batch-cache.ts';
import type { LfScanApi } from './lf-scan-protocol.ts';

let rows: { batch: ColumnBatch; schema: AssetSchema } | undefined;
/** Columns readRows started reading (and when it started), for the load of that number. */
let reading: { load: number; since: number; columns: Promise<[string, BatchColumn]>[] } = { load: 0, since: 0, columns: [] };

function startReading(columns: Record<string, FileColumn>, from: number, to: number): Promise<[string, BatchColumn]>[] {
  const folder = batchFolder();
  return Object.entries(columns).map(async ([name, column]): Promise<[string, BatchColumn]> => [name, await readFileRows(await folder, column, from, to)]);
}

const api: LfScanApi = {
  readRows(load, columns, from, to) {
    const started = startReading(columns, from, to);
    for (const p of started) p.catch(() => undefined); // the load that waits for them reports a failure
    reading = reading.load === load ? { ...reading, columns: [...reading.columns, ...started] } : { load, since: performance.now(), columns: started };
  },
  async load(load, batch, files, from, schema) {
    rows = undefined;
    const since = reading.load === load ? reading.since : performance.now();
    const pending = [...(reading.load === load ? reading.columns : []), ...startReading(files, from, from + batch.length)];
    reading = { load, since: 0, columns: [] };
    const read = Object.fromEntries(await Promise.all(pending));
    rows = { batch: { length: batch.length, columns: { ...read, ...batch.columns } }, schema };
    return { ms: performance.now() - since };
  },
  votes(def, k) {
    if (!rows) throw new Error('The scan worker has no rows yet.');
    const votes = compileLf(def, rows.schema, k).evaluate!(rows.batch);
    return Comlink.transfer(votes, [votes.buffer]);
  },
};

Comlink.expose(api);
