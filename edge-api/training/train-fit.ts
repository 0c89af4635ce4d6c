// The one fit of a training run: the units' statistics summed, the requested model fitted once (seeded) by the
// shared fit (shared/labelmodel/fit.ts), and the model kept as plain numbers on the run so any worker can predict
// any unit with it.
import {
  fitLabelModel, predictorOf, probsToPreds, scorePredictions, type CandidateSummary, type DevSplit, type ModelKind,
} from '../../shared/labelmodel/index.ts';
import type { LabelModelParameters } from '../../shared/schema/label-model.ts';
import type { TrainParams } from './train-spec.ts';
import { labelsFromBytes, mergeAllStats, type UnitContribution } from './train-votes.ts';

/** The partition under which a run keeps its one fit ({ model, report }); the ONNX export reads it. */
export const FIT_KEY = 'fit';

export interface FitReport {
  /** The model actually fitted (for auto: the one chosen). */
  model: ModelKind;
  params: Record<string, unknown>;
  fit_rows: number;
  fit_ms: number;
  final_loss?: number;
  /** auto only: how it chose, and each candidate's dev score and bootstrap win rate against the reference (see shared/labelmodel/auto.ts). */
  criterion?: string;
  /** auto only: the gold-label metric it chose on. */
  metric?: string;
  candidates?: CandidateSummary[];
  dev?: { rows: number; accuracy: number; f1_macro: number };
  /** Snorkel's get_weights(), per LF in lineage order: its learned accuracy (a Snorkel model only). */
  lf_weights?: number[];
}

/** The units' gold-labelled rows, in unit order (each unit picked its own with shared/labelmodel's devSplit). */
function devOfContributions(contributions: UnitContribution[], m: number, k: number): DevSplit | undefined {
  const parts = contributions.filter((c) => c.dev);
  if (parts.length === 0) return undefined;
  const L = labelsFromBytes(Buffer.concat(parts.map((c) => Buffer.from(c.dev!.L, 'base64'))), k);
  const Y = Int32Array.from(parts.flatMap((c) => c.dev!.Y));
  return { L, n: L.length / m, Y };
}

export function fitRunModel(params: TrainParams, contributions: UnitContribution[]): { model: LabelModelParameters; report: FitReport } {
  const started = performance.now();
  const stats = mergeAllStats(contributions.map((c) => c.stats));
  const { m, k } = stats;
  const { request } = params;
  const dev = devOfContributions(contributions, m, k);
  const fit = fitLabelModel(stats, request, dev ? { dev } : {});
  const report: FitReport = {
    model: fit.kind, params: fit.params,
    ...(fit.finalLoss === undefined ? {} : { final_loss: fit.finalLoss }),
    ...(fit.auto ? { criterion: fit.auto.criterion, metric: fit.auto.metric, candidates: fit.auto.candidates } : {}),
    ...(fit.lfWeights ? { lf_weights: Array.from(fit.lfWeights) } : {}),
    fit_rows: stats.n, fit_ms: Math.round(performance.now() - started),
  };
  if (dev) {
    const preds = probsToPreds(predictorOf(fit.parameters)(dev.L, dev.n), k, request.tie_break, {});
    const scores = scorePredictions(preds, dev.Y, k, 'ignored');
    report.dev = { rows: dev.n, accuracy: scores.accuracy, f1_macro: scores.f1_macro };
  }
  return { model: fit.parameters, report };
}
