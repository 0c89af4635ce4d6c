// Probabilities -> hard labels with Snorkel's tie semantics (snorkel.utils.probs_to_preds): classes within
// `tol` of the row maximum are tied; a tie abstains, is broken by a seeded generator, or by Snorkel's
// deterministic SHA-1-of-row-index rule (what WRENCH scores with, and what `policy: 'hash'` reproduces).
import { LabelModelError } from './matrix.ts';
import { NumpyRandomState } from './random.ts';
import { snorkelHashMod } from './sha1.ts';

export type TiePolicy = 'abstain' | 'random' | 'hash';
export const TIE_POLICIES: readonly TiePolicy[] = ['abstain', 'random', 'hash'];

export interface TieOptions {
  /** Seed of the generator for `random`; default 0. */
  seed?: number;
  /** Snorkel's tie tolerance; default 1e-5. */
  tol?: number;
  /** Global index of the first row, so a partition predicted on its own hashes like the whole matrix. */
  rowOffset?: number;
}

/** probs is n×k row-major; returns one class per row, or -1 where a tie abstains. */
export function probsToPreds(probs: Float64Array, k: number, policy: TiePolicy, options: TieOptions = {}): Int32Array {
  if (k < 2) throw new LabelModelError('BAD_PARAMS', `probs must have probabilities for at least 2 classes, got ${k}`);
  const tol = options.tol ?? 1e-5;
  const rowOffset = options.rowOffset ?? 0;
  const rng = policy === 'random' ? new NumpyRandomState(options.seed ?? 0) : undefined;
  const n = probs.length / k;
  const preds = new Int32Array(n);
  const tied = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    let max = -Infinity;
    for (let y = 0; y < k; y++) if (probs[base + y] > max) max = probs[base + y];
    let count = 0;
    for (let y = 0; y < k; y++) if (Math.abs(probs[base + y] - max) < tol) tied[count++] = y;
    if (count === 1) preds[i] = tied[0];
    else if (policy === 'abstain') preds[i] = -1;
    else if (policy === 'hash') preds[i] = tied[snorkelHashMod(i + rowOffset, count)];
    else preds[i] = tied[Math.floor(rng!.random() * count)];
  }
  return preds;
}
