// One interface over every label model here, so the CLI, the server run and the browser worker fit and
// predict without knowing which model they hold.
import { fitDawidSkene, type DawidSkeneOptions } from './dawid-skene.ts';
import { fitFlyingSquid, type FlyingSquidOptions } from './flying-squid.ts';
import { predictLogLinear, type LogLinearModel } from './loglinear.ts';
import { majorityVoteProbs } from './majority.ts';
import type { LabelArray } from './matrix.ts';
import { fitSnorkel, type SnorkelOptions } from './snorkel.ts';
import type { SufficientStats } from './stats.ts';

/** The label models Reef fits; `auto` (shared/labelmodel/auto.ts) chooses among them. */
export const MODEL_KINDS = ['mv', 'snorkel', 'ds', 'fs'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
/** What a user may ask for: a model, or auto's choice. */
export const MODEL_CHOICES = [...MODEL_KINDS, 'auto'] as const;
export type ModelChoice = (typeof MODEL_CHOICES)[number];

export interface FittedLabelModel {
  kind: ModelKind;
  m: number;
  k: number;
  /** The settings that reproduce this model (recorded in a run's lineage). */
  params: Record<string, unknown>;
  /** n×k row-major probabilities for an n×m matrix with the training LFs' columns. */
  predictProba(L: LabelArray, n: number): Float64Array;
  /** The fitted numbers of a log-linear model (all but majority vote): what an ONNX export or a stored run keeps. */
  logLinear?: LogLinearModel;
}

export type ModelSpec =
  | { kind: 'mv' }
  | { kind: 'snorkel'; options?: SnorkelOptions }
  | { kind: 'ds'; options?: DawidSkeneOptions }
  | { kind: 'fs'; options?: FlyingSquidOptions };

export function fitModel(stats: SufficientStats, spec: ModelSpec): FittedLabelModel {
  const { m, k } = stats;
  if (spec.kind === 'mv') {
    return { kind: 'mv', m, k, params: {}, predictProba: (L, n) => majorityVoteProbs(L, n, m, k) };
  }
  if (spec.kind === 'snorkel') {
    const model = fitSnorkel(stats, spec.options);
    return logLinearModel('snorkel', model, { ...model.params });
  }
  if (spec.kind === 'fs') {
    const model = fitFlyingSquid(stats, spec.options);
    return logLinearModel('fs', model, { ...model.params, unestimated: model.unestimated });
  }
  const model = fitDawidSkene(stats, spec.options);
  return logLinearModel('ds', model, { ...model.params, iterations: model.iterations });
}

function logLinearModel(kind: ModelKind, model: LogLinearModel, params: Record<string, unknown>): FittedLabelModel {
  return { kind, m: model.m, k: model.k, params, logLinear: model, predictProba: (L, n) => predictLogLinear(model, L, n) };
}
