// Majority vote as Snorkel's MajorityLabelVoter: every class tied for the most votes gets an equal share,
// so an all-abstain row is uniform and hard labels come from the tie policy (predictions.ts).
import type { LabelArray } from './matrix.ts';

export function majorityVoteProbs(L: LabelArray, n: number, m: number, k: number): Float64Array {
  const probs = new Float64Array(n * k);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    counts.fill(0);
    const row = i * m;
    for (let j = 0; j < m; j++) {
      const v = L[row + j];
      if (v >= 0) counts[v]++;
    }
    let max = 0;
    for (let y = 0; y < k; y++) if (counts[y] > max) max = counts[y];
    let tied = 0;
    for (let y = 0; y < k; y++) if (counts[y] === max) tied++;
    const share = 1 / tied;
    const base = i * k;
    for (let y = 0; y < k; y++) if (counts[y] === max) probs[base + y] = share;
  }
  return probs;
}
