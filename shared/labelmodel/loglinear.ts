// Prediction for the generative models here (Snorkel, Dawid–Skene): P(Y=y | λ) ∝ prior_y · Π over voting
// LFs of table[j, λ_j, y]. Kept as one table of logs per (LF, vote) so a row costs (its votes × k) adds.
import type { LabelArray } from './matrix.ts';

export interface LogLinearModel {
  m: number;
  k: number;
  /** (m·k) × k: entry [(j·k + l)·k + y] = log P(λ_j = l | Y = y). */
  logTable: Float64Array;
  logPrior: Float64Array;
}

/** Row-wise softmax of logPrior + Σ_j logTable[j, λ_j]; abstains contribute nothing, so an all-abstain row returns the prior. */
export function predictLogLinear(model: LogLinearModel, L: LabelArray, n: number): Float64Array {
  const { m, k, logTable, logPrior } = model;
  const probs = new Float64Array(n * k);
  if (k === 2) {
    predictBinary(model, L, n, probs);
    return probs;
  }
  const score = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    score.set(logPrior);
    const row = i * m;
    for (let j = 0; j < m; j++) {
      const v = L[row + j];
      if (v < 0) continue;
      const base = (j * k + v) * k;
      for (let y = 0; y < k; y++) score[y] += logTable[base + y];
    }
    let max = -Infinity;
    for (let y = 0; y < k; y++) if (score[y] > max) max = score[y];
    let z = 0;
    const out = i * k;
    for (let y = 0; y < k; y++) {
      const e = Math.exp(score[y] - max);
      probs[out + y] = e;
      z += e;
    }
    for (let y = 0; y < k; y++) probs[out + y] /= z;
  }
  return probs;
}

// Two classes need only the log-odds: one table lookup per LF (abstain reads a 0 slot, so no branch) and
// one exp per row.
function predictBinary(model: LogLinearModel, L: LabelArray, n: number, probs: Float64Array): void {
  const { m, logTable, logPrior } = model;
  const logOdds = new Float64Array(m * 3);
  for (let j = 0; j < m; j++) {
    for (let v = 0; v < 2; v++) logOdds[j * 3 + v + 1] = logTable[(j * 2 + v) * 2 + 1] - logTable[(j * 2 + v) * 2];
  }
  const prior = logPrior[1] - logPrior[0];
  const pairs = m >> 1;
  for (let i = 0; i < n; i++) {
    // Two accumulators halve the floating-point add chain that otherwise bounds this loop.
    let even = prior;
    let odd = 0;
    const row = i * m;
    for (let h = 0; h < pairs; h++) {
      const j = 2 * h;
      even += logOdds[j * 3 + 1 + L[row + j]];
      odd += logOdds[j * 3 + 4 + L[row + j + 1]];
    }
    if (m & 1) even += logOdds[(m - 1) * 3 + 1 + L[row + m - 1]];
    const s = even + odd;
    // p1 = σ(s), written so that neither branch overflows.
    const p1 = s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
    probs[i * 2] = 1 - p1;
    probs[i * 2 + 1] = p1;
  }
}
