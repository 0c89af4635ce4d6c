// The page's two workers, started once: the data worker (assets, LF votes, analysis, DuckDB) and the
// label-model worker (training), connected by a MessageChannel when the page first trains, so label matrices go
// from one to the other without the main thread. Comlink proxies with typed APIs.
import * as Comlink from 'comlink';
import type { StudioDataApi } from '../workers/studio-data-protocol.ts';
import type { TrainApi } from '../workers/train-protocol.ts';

let data: Comlink.Remote<StudioDataApi> | undefined;
let train: Comlink.Remote<TrainApi> | undefined;

export function dataWorker(): Comlink.Remote<StudioDataApi> {
  data ??= Comlink.wrap<StudioDataApi>(new Worker(new URL('../workers/studio-data.worker.ts', import.meta.url), { type: 'module', name: 'reef-data' }));
  return data;
}

export function trainWorker(): Comlink.Remote<TrainApi> {
  train ??= Comlink.wrap<TrainApi>(new Worker(new URL('../workers/train.worker.ts', import.meta.url), { type: 'module', name: 'reef-train' }));
  return train;
}

let connected: Promise<Comlink.Remote<StudioDataApi>> | undefined;

/** The data worker, once it talks to the train worker directly (over a MessageChannel whose ends move to them). */
export function trainingDataWorker(): Promise<Comlink.Remote<StudioDataApi>> {
  connected ??= (async () => {
    const { port1, port2 } = new MessageChannel();
    await Promise.all([
      trainWorker().connect(Comlink.transfer(port2, [port2])),
      dataWorker().connectTrainer(Comlink.transfer(port1, [port1])),
    ]);
    return dataWorker();
  })();
  return connected;
}
