// The one fit of a training run: the units' statistics summed, the requested model fitted once (seeded), and the
// model kept as plain numbers on the run so any worker can predict any unit with it.
import {
  DEFAULT_AUTO_METRIC, fitAuto, fitDawidSkene, fitFlyingSquid, fitSnorkel, majorityVoteProbs, predictLogLinear, probsToPreds, scorePredictions, snorkelWeights, summarizeCandidates,
  type CandidateSummary, type LabelArray, type ModelKind, type SnorkelModel, type SnorkelOptions, type SufficientStats,
} from '../../shared/labelmodel/index.ts';
import type { LabelModelParameters } from '../../shared/schema/label-model.ts';
import type { TrainParams } from './train-spec.ts';
import { labelsFromBytes, mergeAllStats, type UnitContribution } from './train-votes.ts';

/** The partition under which a run keeps its one fit ({ model, report }); the ONNX export reads it. */
export const FIT_KEY = 'fit';

/** The fitted model as plain numbers (also what a browser sends with a training it keeps on the server). */


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

const logLinear = (m: { m: number; k: number; logTable: Float64Array; logPrior: Float64Array }): LabelModelParameters =>
  ({ kind: 'loglinear', m: m.m, k: m.k, logTable: Array.from(m.logTable), logPrior: Array.from(m.logPrior) });

function devSplit(contributions: UnitContribution[], m: number, k: number) {
  const parts = contributions.filter((c) => c.dev);
  if (parts.length === 0) return undefined;
  const L = labelsFromBytes(Buffer.concat(parts.map((c) => Buffer.from(c.dev!.L, 'base64'))), k);
  const Y = Int32Array.from(parts.flatMap((c) => c.dev!.Y));
  return { L, n: L.length / m, Y };
}

function fitSnorkelModel(stats: SufficientStats, options: SnorkelOptions) {
  const model = fitSnorkel(stats, options);
  return { model: logLinear(model), params: { ...model.params }, finalLoss: model.finalLoss, weights: Array.from(snorkelWeights(model)) };
}

export function fitRunModel(params: TrainParams, contributions: UnitContribution[]): { model: LabelModelParameters; report: FitReport } {
  const started = performance.now();
  const stats = mergeAllStats(contributions.map((c) => c.stats));
  const { m, k } = stats;
  const { request } = params;
  const dev = devSplit(contributions, m, k);
  const snorkelOptions: SnorkelOptions = {
    nEpochs: request.snorkel.epochs, lr: request.snorkel.lr, l2: request.snorkel.l2, optimizer: request.snorkel.optimizer, seed: request.seed,
  };
  let model: LabelModelParameters;
  let report: Omit<FitReport, 'fit_ms' | 'fit_rows'>;
  if (request.model === 'mv') {
    model = { kind: 'mv', m, k };
    report = { model: 'mv', params: {} };
  } else if (request.model === 'snorkel') {
    const fitted = fitSnorkelModel(stats, snorkelOptions);
    model = fitted.model;
    report = { model: 'snorkel', params: fitted.params, final_loss: fitted.finalLoss, lf_weights: fitted.weights };
  } else if (request.model === 'fs') {
    const fitted = fitFlyingSquid(stats);
    model = logLinear(fitted);
    report = { model: 'fs', params: { ...fitted.params } };
  } else if (request.model === 'ds') {
    const fitted = fitDawidSkene(stats);
    model = logLinear(fitted);
    report = { model: 'ds', params: { ...fitted.params, iterations: fitted.iterations } };
  } else {
    const auto = fitAuto(stats, { seed: request.seed, ...(request.metric ? { metric: request.metric } : {}), ...(dev ? { dev } : {}) });
    // The chosen model's fitted numbers are kept as they are (every model but majority vote is log-linear).
    const chosen = auto.model;
    model = chosen.logLinear ? logLinear(chosen.logLinear) : { kind: 'mv', m, k };
    report = {
      model: chosen.kind, params: chosen.params, criterion: auto.criterion, metric: request.metric ?? DEFAULT_AUTO_METRIC,
      candidates: summarizeCandidates(auto),
      ...(chosen.kind === 'snorkel' && chosen.logLinear ? { lf_weights: Array.from(snorkelWeights(chosen.logLinear as SnorkelModel)) } : {}),
    };
  }
  const full: FitReport = { ...report, fit_rows: stats.n, fit_ms: Math.round(performance.now() - started) };
  if (dev) {
    const preds = probsToPreds(predictorOf(model)(dev.L, dev.n), k, request.tie_break, {});
    const scores = scorePredictions(preds, dev.Y, k);
    full.dev = { rows: dev.n, accuracy: scores.accuracy, f1_macro: scores.f1_macro };
  }
  return { model, report: full };
}

export function predictorOf(model: LabelModelParameters): (L: LabelArray, n: number) => Float64Array {
  if (model.kind === 'mv') return (L, n) => majorityVoteProbs(L, n, model.m, model.k);
  const table = { m: model.m, k: model.k, logTable: Float64Array.from(model.logTable), logPrior: Float64Array.from(model.logPrior) };
  return (L, n) => predictLogLinear(table, L, n);
}
