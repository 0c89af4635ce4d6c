// The page's two workers, started once: the data worker (assets, LF votes, analysis, DuckDB) and the
// label-model worker (training). Comlink proxies with typed APIs.
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
