// The one fit of a training request, for the browser worker, a server run and the CLI alike: which model the
// request names with which settings, what auto chooses on the dev split, and what a run reports and keeps of it.
// Fitting here, and nowhere else, is what keeps the three from drifting apart.
import type { LabelModelParameters } from '../schema/label-model.ts';
import type { TrainRequest } from '../schema/training.ts';
import { DEFAULT_AUTO_METRIC, fitAuto, summarizeCandidates, type AutoResult, type CandidateSummary, type DevSplit } from './auto.ts';
import type { DawidSkeneOptions } from './dawid-skene.ts';
import type { FlyingSquidOptions } from './flying-squid.ts';
import { predictLogLinear } from './loglinear.ts';
import { majorityVoteProbs } from './majority.ts';
import { allocateLabels, type LabelArray } from './matrix.ts';
import type { MetricName } from './metrics.ts';
import { fitModel, type FittedLabelModel, type ModelChoice, type ModelKind, type ModelSpec } from './models.ts';
import { snorkelWeights, type SnorkelModel, type SnorkelOptions } from './snorkel.ts';
import type { SufficientStats } from './stats.ts';

/** What a fit reads of a training request; l2 and the optimizer fall back to Snorkel's defaults (the request's too). */
export type FitRequest = Pick<TrainRequest, 'model' | 'seed' | 'metric'> & {
  snorkel: Pick<TrainRequest['snorkel'], 'epochs' | 'lr'> & Partial<Pick<TrainRequest['snorkel'], 'l2' | 'optimizer'>>;
};

export interface FitExtras {
  /** The rows with gold labels: what auto chooses on. */
  dev?: DevSplit;
  /** Snorkel's epochs, when Snorkel is the model asked for (auto fits its candidates with epochs of their own). */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Model settings a train request does not carry (the CLI's research options), laid over the request's. */
  options?: { snorkel?: SnorkelOptions; fs?: FlyingSquidOptions; ds?: DawidSkeneOptions };
}

export interface LabelModelFit {
  /** The model fitted (for auto: the one chosen). */
  kind: ModelKind;
  /** The settings that reproduce it (a run's lineage). */
  params: Record<string, unknown>;
  /** The fitted numbers as a run keeps them and the ONNX export reads them. */
  parameters: LabelModelParameters;
  /** n×k row-major probabilities for an n×m matrix with the training LFs' columns. */
  predictProba: (L: LabelArray, n: number) => Float64Array;
  /** A Snorkel model's last training loss. */
  finalLoss?: number;
  /** Snorkel's get_weights(): each LF's learned accuracy, whenever the model fitted is Snorkel's (auto's choice too). */
  lfWeights?: Float64Array;
  /** auto: how it chose, on which metric, among which candidates. */
  auto?: { criterion: AutoResult['criterion']; metric: MetricName; candidates: CandidateSummary[] };
}

/** The statistics a model needs: Dawid–Skene iterates over vote patterns, the others need only co-vote counts. */
export function statsOptionsFor(model: ModelChoice): { patterns: boolean } {
  return { patterns: model === 'ds' };
}

export function fitLabelModel(stats: SufficientStats, request: FitRequest, extras: FitExtras = {}): LabelModelFit {
  if (request.model === 'auto') {
    const metric = request.metric ?? DEFAULT_AUTO_METRIC;
    const result = fitAuto(stats, { seed: request.seed, metric, ...(extras.dev ? { dev: extras.dev } : {}) });
    return { ...fitOf(result.model), auto: { criterion: result.criterion, metric, candidates: summarizeCandidates(result) } };
  }
  return fitOf(fitModel(stats, specOf(request, extras)));
}

function specOf(request: FitRequest, { options = {}, onEpoch }: FitExtras): ModelSpec {
  switch (request.model) {
    case 'snorkel': {
      const { epochs, lr, l2, optimizer } = request.snorkel;
      return {
        kind: 'snorkel',
        options: { nEpochs: epochs, lr, l2, optimizer, seed: request.seed, ...options.snorkel, ...(onEpoch ? { onEpoch } : {}) },
      };
    }
    case 'fs': return { kind: 'fs', options: options.fs };
    case 'ds': return { kind: 'ds', options: options.ds };
    default: return { kind: 'mv' };
  }
}

function fitOf(model: FittedLabelModel): LabelModelFit {
  const snorkel = model.kind === 'snorkel' ? (model.logLinear as SnorkelModel | undefined) : undefined;
  return {
    kind: model.kind, params: model.params, parameters: parametersOf(model), predictProba: model.predictProba,
    ...(snorkel ? { finalLoss: snorkel.finalLoss, lfWeights: snorkelWeights(snorkel) } : {}),
  };
}

/** A fitted model as plain numbers: majority vote needs only its size, every other model is log-linear. */
export function parametersOf(model: Pick<FittedLabelModel, 'm' | 'k' | 'logLinear'>): LabelModelParameters {
  const table = model.logLinear;
  if (!table) return { kind: 'mv', m: model.m, k: model.k };
  return { kind: 'loglinear', m: table.m, k: table.k, logTable: Array.from(table.logTable), logPrior: Array.from(table.logPrior) };
}

/** Predictions from kept numbers (a run's fit, a browser run's upload): exactly the fitted model's. */
export function predictorOf(model: LabelModelParameters): (L: LabelArray, n: number) => Float64Array {
  if (model.kind === 'mv') return (L, n) => majorityVoteProbs(L, n, model.m, model.k);
  const table = { m: model.m, k: model.k, logTable: Float64Array.from(model.logTable), logPrior: Float64Array.from(model.logPrior) };
  return (L, n) => predictLogLinear(table, L, n);
}

/** The rows with a gold label (≥ 0) of an n×m matrix, with their labels: auto's dev split; undefined when none. */
export function devSplit(L: LabelArray, m: number, k: number, gold: ArrayLike<number>): DevSplit | undefined {
  const rows: number[] = [];
  for (let i = 0; i < gold.length; i++) if (gold[i]! >= 0) rows.push(i);
  if (rows.length === 0) return undefined;
  const devL = allocateLabels(k, rows.length * m);
  rows.forEach((i, r) => { devL.set(L.subarray(i * m, (i + 1) * m), r * m); });
  return { L: devL, n: rows.length, Y: Int32Array.from(rows, (i) => gold[i]!) };
}
