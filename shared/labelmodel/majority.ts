// Majority vote as Snorkel's MajorityLabelVoter: every class tied for the most votes gets an equal share,
// so an all-abstain row is uniform and hard labels come from the tie policy (predictions.ts).
import type { LabelArray } from './matrix.ts';
import { forEachQuadEntry, quadIndex, quadLayout } from './quad.ts';

export function majorityVoteProbs(L: LabelArray, n: number, m: number, k: number): Float64Array {
  const probs = new Float64Array(n * k);
  if (k === 2 && m < 0x10000) {
    binaryMajority(L, n, m, probs);
    return probs;
  }
  // Slot 0 collects abstains, so counting needs no branch; classes live at 1..k.
  const slots = new Int32Array(k + 1);
  const counts = slots.subarray(1);
  for (let i = 0; i < n; i++) {
    slots.fill(0);
    const row = i * m;
    for (let j = 0; j < m; j++) slots[L[row + j] + 1]++;
    writeShares(counts, k, probs, i * k);
  }
  return probs;
}

function writeShares(counts: Int32Array, k: number, probs: Float64Array, out: number): void {
  let max = 0;
  for (let y = 0; y < k; y++) if (counts[y] > max) max = counts[y];
  let tied = 0;
  for (let y = 0; y < k; y++) if (counts[y] === max) tied++;
  const share = 1 / tied;
  for (let y = 0; y < k; y++) if (counts[y] === max) probs[out + y] = share;
}

/** Two classes: count both in one integer (class 0 in the low 16 bits), four LFs per lookup where aligned (quad.ts). */
function binaryMajority(L: LabelArray, n: number, m: number, probs: Float64Array): void {
  const layout = quadLayout(L, m);
  const packed = layout ? buildQuadCounts(m, layout.wordsPerRow) : undefined;
  const lastWord = layout ? layout.words.length - 1 : -1;
  const unit = Int32Array.of(0, 1, 0x10000);
  for (let i = 0; i < n; i++) {
    const start = i * m;
    let both = 0;
    if (layout && packed && (start + m - 1) >> 2 <= lastWord) {
      const table = packed[start & 3];
      for (let w = start >> 2, base = 0; w <= (start + m - 1) >> 2; w++, base += 256) both += table[base + quadIndex(layout.words[w])];
    } else {
      for (let j = 0; j < m; j++) both += unit[L[start + j] + 1];
    }
    const zeros = both & 0xffff;
    const ones = both >>> 16;
    probs[i * 2] = zeros > ones ? 1 : zeros === ones ? 0.5 : 0;
    probs[i * 2 + 1] = 1 - probs[i * 2];
  }
}

function buildQuadCounts(m: number, wordsPerRow: number): Int32Array[] {
  const tables = [0, 1, 2, 3].map(() => new Int32Array(wordsPerRow * 256));
  forEachQuadEntry(m, wordsPerRow, (phase, w, idx, _j, vote) => {
    if (vote >= 0) tables[phase][w * 256 + idx] += vote === 0 ? 1 : 0x10000;
  });
  return tables;
}
