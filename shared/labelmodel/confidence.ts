// The seed's `confidence` result column and what a results page sums of it.
import { HISTOGRAM_BINS } from '../schema/results.ts';

/** Per row of n×k probabilities, the probability of the predicted (most likely) class. */
export function confidences(probs: Float64Array, k: number): Float64Array {
  const n = probs.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let y = 0; y < k; y++) if (probs[i * k + y] > max) max = probs[i * k + y];
    out[i] = max;
  }
  return out;
}

/** Counts of confidences in `bins` equal-width bins over [1/k, 1] (the server's summary bins alike, in SQL). */
export function confidenceHistogram(conf: Float64Array, k: number, bins = HISTOGRAM_BINS): number[] {
  const lo = 1 / k;
  const counts = new Array<number>(bins).fill(0);
  for (const c of conf) counts[Math.min(bins - 1, Math.max(0, Math.floor(((c - lo) / (1 - lo)) * bins)))]!++;
  return counts;
}
