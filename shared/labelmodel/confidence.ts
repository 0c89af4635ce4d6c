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

/**
 * Counts of confidences in `bins` equal-width bins over [1/k, 1] (the server's summary bins alike, in SQL). With
 * `nVotes`, rows no LF voted on (0) are left out: counted in place, as a filtered copy of a million rows is slow.
 */
export function confidenceHistogram(conf: Float64Array, k: number, bins = HISTOGRAM_BINS, nVotes?: ArrayLike<number>): number[] {
  if (nVotes && nVotes.length !== conf.length) throw new RangeError(`n_votes has ${nVotes.length} rows, the confidences ${conf.length}`);
  const lo = 1 / k;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < conf.length; i++) {
    if (nVotes && nVotes[i] === 0) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(((conf[i]! - lo) / (1 - lo)) * bins)))]!++;
  }
  return counts;
}
