// The train worker's work, as a plain function (train.worker.ts only moves its input and output): the shared fit
// (shared/labelmodel/fit.ts, the same as a server run's and the CLI's) on the page's label matrix, its predictions
// and labels, and the LF analysis kept with the run. What the results page sums of them (confidences, histogram,
// label counts) the data worker sums as it writes the results Parquet, which needs the same confidences.
import { analyzeLabelMatrix } from '../../../shared/analysis/analyze.ts';
import { devSplit, fitLabelModel, statsOptionsFor } from '../../../shared/labelmodel/fit.ts';
import { resultLabels, votesPerRow } from '../../../shared/labelmodel/result-labels.ts';
import { computeSufficientStats } from '../../../shared/labelmodel/stats.ts';
import { trainAnalysisOf } from './train-analysis.ts';
import type { TrainInput, TrainOutput } from './train-protocol.ts';

const PROGRESS_INTERVAL_MS = 100;

export function fitMatrix(input: TrainInput, onEpoch: (epoch: number, epochs: number) => void): TrainOutput {
  const started = performance.now();
  const phases: Record<string, number> = {};
  let lapped = started;
  const lap = (phase: string) => { const now = performance.now(); phases[phase] = now - lapped; lapped = now; };
  const { L, n, m, k, gold, settings } = input;
  const stats = computeSufficientStats(L, n, m, k, statsOptionsFor(settings.model));
  lap('stats');
  // Progress is reported at most every 100 ms (and ~50 times in all): each report is a render of the page, and a
  // fit of a few dozen milliseconds needs none of them.
  const every = Math.max(1, Math.floor(settings.epochs / 50));
  let reported = started;
  const onEpochThrottled = (e: number) => {
    if (e % every !== 0 || performance.now() - reported < PROGRESS_INTERVAL_MS) return;
    reported = performance.now();
    onEpoch(e + 1, settings.epochs);
  };
  const dev = settings.model === 'auto' ? devSplit(L, m, k, gold) : undefined;
  const model = fitLabelModel(stats, { model: settings.model, seed: settings.seed, snorkel: { epochs: settings.epochs, lr: settings.lr } }, {
    ...(dev ? { dev } : {}), onEpoch: onEpochThrottled,
  });
  // Only Snorkel with the node's epochs counts them; auto fits its candidates with epochs of their own.
  if (settings.model === 'snorkel') onEpoch(settings.epochs, settings.epochs);
  lap('fit');
  const probs = model.predictProba(L, n);
  lap('predict');
  // Ties abstain (-1), Snorkel's default and the server run's default, and rows no LF voted on are -1 under any
  // policy: the same shared function as the server, so both report the same labels.
  const nVotes = input.counted?.nVotes ?? votesPerRow(L, n, m);
  const preds = resultLabels(probs, k, nVotes, 'abstain');
  lap('labels');
  const ms = performance.now() - started;
  const withGold = gold.some((y) => y >= 0);
  const analysis = input.counted?.analysis ?? trainAnalysisOf(analyzeLabelMatrix(L, n, m, k, withGold ? gold : undefined), withGold);
  lap('analysis');
  const weights = model.lfWeights ?? null;
  const candidates = model.auto && model.auto.candidates.length > 0 ? model.auto.candidates : undefined;
  return {
    probs, preds, model: model.kind, params: model.params, ...(candidates ? { candidates } : {}), weights, fitted: model.parameters,
    nVotes, analysis, ms, phases,
  };
}
