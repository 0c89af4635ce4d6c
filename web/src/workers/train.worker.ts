// The label model off the main thread: the label matrix arrives transferred, probabilities leave transferred.
import * as Comlink from 'comlink';
import { analyzeLabelMatrix } from '../../../shared/analysis/analyze.ts';
import { fitAuto, summarizeCandidates, type CandidateSummary } from '../../../shared/labelmodel/auto.ts';
import { predictLogLinear } from '../../../shared/labelmodel/loglinear.ts';
import { fitModel, type FittedLabelModel } from '../../../shared/labelmodel/models.ts';
import { resultLabels, votesPerRow } from '../../../shared/labelmodel/result-labels.ts';
import { fitSnorkel, snorkelWeights, type SnorkelModel } from '../../../shared/labelmodel/snorkel.ts';
import { computeSufficientStats } from '../../../shared/labelmodel/stats.ts';
import type { LabelModelParameters } from '../../../shared/schema/label-model.ts';
import type { TrainSettings } from '../canvas/graph.ts';
import { confidenceHistogram, confidences, labelDistribution, resultCsvFromParquet } from '../results/result-table.ts';

export interface TrainInput { L: Int8Array; n: number; m: number; k: number; gold: Int32Array; settings: TrainSettings }
export interface TrainOutput {
  probs: Float64Array;
  preds: Int32Array;
  model: string;
  params: Record<string, unknown>;
  /** auto: every candidate it weighed on the gold labels, the chosen one marked (shared/labelmodel/auto.ts). */
  candidates?: CandidateSummary[];
  /** Snorkel's learned LF accuracies (get_weights), when the model is Snorkel's. */
  weights: Float64Array | null;
  /** The fitted numbers, kept with the run so its label model exports as ONNX (edge-api/models/onnx-export.ts). */
  fitted: LabelModelParameters;
  /** Per row, how many LFs voted; where none did the label is -1 and the probabilities are the model's class prior. */
  nVotes: Int32Array;
  /** The LF analysis of the matrix trained on (shared/analysis, with the gold labels), kept with the run. */
  analysis: TrainAnalysis;
  /** What the results page shows, summed here so the page does no million-row loop: see result-table.ts. */
  confidence: Float64Array;
  distribution: number[];
  histogram: number[];
  ms: number;
}

export interface TrainAnalysis {
  coverage: number;
  overlap: number;
  conflict: number;
  lfs: { coverage: number; overlaps: number; conflicts: number; polarity: number[]; empirical_accuracy?: number }[];
}

function analysisOf(L: Int8Array, n: number, m: number, k: number, gold: Int32Array): TrainAnalysis {
  const a = analyzeLabelMatrix(L, n, m, k, gold.some((y) => y >= 0) ? gold : undefined);
  return {
    coverage: a.coverage, overlap: a.overlap, conflict: a.conflict,
    lfs: a.lfs.map((s) => ({
      coverage: s.coverage, overlaps: s.overlaps, conflicts: s.conflicts, polarity: s.polarity,
      ...(s.empiricalAccuracy === undefined ? {} : { empirical_accuracy: s.empiricalAccuracy }),
    })),
  };
}

/** The gold-labelled rows as auto's dev split. */
function devSplit(L: Int8Array, m: number, gold: Int32Array) {
  const rows: number[] = [];
  gold.forEach((y, i) => { if (y >= 0) rows.push(i); });
  if (rows.length === 0) return undefined;
  const devL = new Int8Array(rows.length * m);
  rows.forEach((i, r) => { devL.set(L.subarray(i * m, (i + 1) * m), r * m); });
  return { L: devL, n: rows.length, Y: Int32Array.from(rows, (i) => gold[i]!) };
}

const api = {
  fit(input: TrainInput, onEpoch: (epoch: number, epochs: number) => void): TrainOutput {
    const started = performance.now();
    const { L, n, m, k, gold, settings } = input;
    const stats = computeSufficientStats(L, n, m, k);
    let model: Pick<FittedLabelModel, 'kind' | 'params' | 'predictProba' | 'logLinear'>;
    let weights: Float64Array | null = null;
    let candidates: CandidateSummary[] | undefined;
    // Progress is reported at most ~50 times, so messages never outnumber the work.
    const every = Math.max(1, Math.floor(settings.epochs / 50));
    const onEpochThrottled = (e: number) => { if (e % every === 0 || e === settings.epochs - 1) onEpoch(e + 1, settings.epochs); };
    if (settings.model === 'snorkel') {
      const snorkel = fitSnorkel(stats, { nEpochs: settings.epochs, lr: settings.lr, seed: settings.seed, onEpoch: onEpochThrottled });
      weights = snorkelWeights(snorkel);
      model = { kind: 'snorkel', params: { ...snorkel.params }, logLinear: snorkel, predictProba: (M, rows) => predictLogLinear(snorkel, M, rows) };
    } else if (settings.model === 'auto') {
      const auto = fitAuto(stats, { seed: settings.seed, dev: devSplit(L, m, gold) });
      model = auto.model;
      if (auto.candidates.length > 0) candidates = summarizeCandidates(auto);
      // Snorkel's learned accuracies when auto chose Snorkel, as the server keeps them.
      if (model.kind === 'snorkel' && model.logLinear) weights = snorkelWeights(model.logLinear as SnorkelModel);
    } else {
      model = fitModel(stats, { kind: settings.model });
    }
    // Only Snorkel with the node's epochs counts them; auto fits its candidates with epochs of their own.
    if (settings.model === 'snorkel') onEpoch(settings.epochs, settings.epochs);
    const probs = model.predictProba(L, n);
    // Ties abstain (-1), Snorkel's default and the server run's default, and rows no LF voted on are -1 under any
    // policy: the same shared function as the server, so both report the same labels.
    const nVotes = votesPerRow(L, n, m);
    const preds = resultLabels(probs, k, nVotes, 'abstain');
    const ms = performance.now() - started;
    const analysis = analysisOf(L, n, m, k, gold);
    const confidence = confidences({ probs, n, k });
    // No-vote rows all get the model's prior: left out of the histogram, which is about rows with evidence.
    const histogram = confidenceHistogram(confidence.filter((_, i) => nVotes[i] !== 0), k);
    const distribution = labelDistribution({ preds, k, nVotes });
    const fitted: LabelModelParameters = model.logLinear
      ? { kind: 'loglinear', m, k, logTable: Array.from(model.logLinear.logTable), logPrior: Array.from(model.logLinear.logPrior) }
      : { kind: 'mv', m, k };
    const out: TrainOutput = { probs, preds, model: model.kind, params: model.params, ...(candidates ? { candidates } : {}), weights, fitted, nVotes, analysis, confidence, distribution, histogram, ms };
    return Comlink.transfer(out, [probs.buffer, preds.buffer, nVotes.buffer, confidence.buffer, ...(weights ? [weights.buffer] : [])]);
  },
  /** A results Parquet as CSV (the download), written here: a million rows of text is no work for the main thread. */
  async resultCsv(parquet: ArrayBuffer): Promise<Blob> {
    return new Blob([await resultCsvFromParquet(parquet)], { type: 'text/csv' });
  },
};

export type TrainApi = typeof api;
Comlink.expose(api);
