// The label model off the main thread: the label matrix arrives transferred from the data worker (over the port the
// page connected them with), probabilities leave transferred.
// The work is fit-matrix.ts's; the messages are train-protocol.ts's.
import * as Comlink from 'comlink';
import { fitMatrix } from './fit-matrix.ts';
import { resultCsvFromParquet } from './result-csv.ts';
import { movedArrays, type TrainApi } from './train-protocol.ts';

const api: TrainApi = {
  connect(port) {
    Comlink.expose(api, port);
  },
  fit(input, onEpoch) {
    const out = fitMatrix(input, onEpoch);
    return Comlink.transfer(out, movedArrays(out));
  },
  /** A results Parquet as CSV (the download), written here: a million rows of text is no work for the main thread. */
  async resultCsv(parquet) {
    return new Blob([await resultCsvFromParquet(await parquet.arrayBuffer())], { type: 'text/csv' });
  },
};

Comlink.expose(api);
