// A paired bootstrap over dev rows (Efron & Tibshirani; Koehn 2004 for comparing systems): how often each
// candidate's metric beats a reference's when the dev rows are drawn again with replacement. Every candidate
// is scored on the same draws, so what is measured is the difference between them, for any metric (accuracy
// or F1), on a dev split too small for its raw scores to be trusted.
import { MetricCounts, type MetricName } from './metrics.ts';
import { NumpyRandomState } from './random.ts';

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
}

export const DEFAULT_RESAMPLES = 1000;

/**
 * For each candidate, the share of resamples on which its metric is above the reference's (ties count
 * half; the reference itself gets 0.5). `preds[c]` are candidate c's hard labels for the dev rows.
 */
export function bootstrapWinRates(
  preds: Int32Array[],
  gold: Int32Array,
  k: number,
  metric: MetricName,
  reference: number,
  options: BootstrapOptions = {},
): Float64Array {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  // Only rows with a gold label are scored, so only they are drawn. They are put in a canonical order (by gold
  // label, then each candidate's prediction) so that the result depends on the rows, not on the order they came
  // in: the browser and a server run, which gather the same gold rows in different orders, choose alike.
  const labelled = Int32Array.from(gold.keys()).filter((i) => gold[i] !== -1);
  labelled.sort((a, b) => {
    if (gold[a] !== gold[b]) return gold[a] - gold[b];
    for (const p of preds) if (p[a] !== p[b]) return p[a] - p[b];
    return 0;
  });
  const n = labelled.length;
  const rng = new NumpyRandomState(options.seed ?? 0);
  const counts = preds.map(() => new MetricCounts(k, 'ignored'));
  const wins = new Float64Array(preds.length);
  const values = new Float64Array(preds.length);
  for (let r = 0; r < resamples; r++) {
    for (const c of counts) c.reset();
    for (let draw = 0; draw < n; draw++) {
      const i = labelled[Math.floor(rng.random() * n)];
      for (let c = 0; c < preds.length; c++) counts[c].add(preds[c][i], gold[i]);
    }
    for (let c = 0; c < preds.length; c++) values[c] = counts[c].value(metric);
    for (let c = 0; c < preds.length; c++) {
      if (values[c] > values[reference]) wins[c] += 1;
      else if (values[c] === values[reference]) wins[c] += 0.5;
    }
  }
  return wins.map((w) => (resamples === 0 ? 0.5 : w / resamples));
}
