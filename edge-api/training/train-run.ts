// A training run's jsonb columns as train.ts writes them. runs.params and runs.metrics are plain jsonb (their shape
// depends on the run's kind), so training code reads a training run through here instead of casting at each use.
import type { RunRow } from '../runs/run-store.ts';
import type { TrainMetrics } from './train-metrics.ts';
import type { TrainParams } from './train-spec.ts';

export interface TrainRunData {
  /** What the run pinned when it started (request, LF and asset versions, lineage). */
  params: TrainParams;
  /** What the run reported; written when it succeeds, so read it only from a successful run. */
  metrics: TrainMetrics;
}

/** The params and metrics of a run of kind 'train'. */
export function trainRunOf(run: Pick<RunRow, 'params' | 'metrics'>): TrainRunData {
  return { params: run.params as TrainParams, metrics: run.metrics as TrainMetrics };
}
