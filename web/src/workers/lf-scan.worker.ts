// A second core for LF runs: the data worker hands this worker the second half of the samples' rows once, then
// each edited LF is evaluated here over those rows while the data worker evaluates the first half.
import * as Comlink from 'comlink';
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { compileLf } from '../../../shared/lf/compile.ts';
import type { AssetSchema } from '../../../shared/lf/types.ts';
import type { LfScanApi } from './lf-scan-protocol.ts';

let rows: { batch: ColumnBatch; schema: AssetSchema } | undefined;

const api: LfScanApi = {
  load(batch, schema) {
    rows = { batch, schema };
  },
  votes(def, k) {
    if (!rows) throw new Error('The scan worker has no rows yet.');
    const votes = compileLf(def, rows.schema, k).evaluate!(rows.batch);
    return Comlink.transfer(votes, [votes.buffer]);
  },
};

Comlink.expose(api);
