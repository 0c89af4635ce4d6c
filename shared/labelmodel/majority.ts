// Majority vote as Snorkel's MajorityLabelVoter: every class tied for the most votes gets an equal share,
// so an all-abstain row is uniform and hard labels come from the tie policy (predictions.ts).
import type { LabelArray } from './matrix.ts';

export function majorityVoteProbs(L: LabelArray, n: number, m: number, k: number): Float64Array {
  const probs = new Float64Array(n * k);
  // Slot 0 collects abstains, so counting needs no branch; classes live at 1..k.
  const slots = new Int32Array(k + 1);
  const counts = slots.subarray(1);
  for (let i = 0; i < n; i++) {
    slots.fill(0);
    const row = i * m;
    for (let j = 0; j < m; j++) slots[L[row + j] + 1]++;
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
