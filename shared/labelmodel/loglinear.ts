// Prediction for the generative models here (Snorkel, Dawid–Skene): P(Y=y | λ) ∝ prior_y · Π over voting
// LFs of table[j, λ_j, y]. Kept as one table of logs per (LF, vote) so a row costs (its votes × k) adds.
import type { LabelArray } from './matrix.ts';
import { forEachQuadEntry, quadLayout } from './quad.ts';
import { foldQuad } from './quad-fold.ts';

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

// Two classes need only the log-odds: one lookup per LF (or per four LFs, see quad.ts) and one exp per row.
function predictBinary(model: LogLinearModel, L: LabelArray, n: number, probs: Float64Array): void {
  const { m, logTable, logPrior } = model;
  const logOdds = new Float64Array(m * 3);
  for (let j = 0; j < m; j++) {
    for (let v = 0; v < 2; v++) logOdds[j * 3 + v + 1] = logTable[(j * 2 + v) * 2 + 1] - logTable[(j * 2 + v) * 2];
  }
  const prior = logPrior[1] - logPrior[0];
  const layout = quadLayout(L, m);
  const quadOdds = layout && buildQuadOdds(logOdds, m, layout.wordsPerRow);
  const lastWord = layout ? layout.words.length - 1 : -1;
  // Rows four apart start at the same alignment, so they read the same quadOdds table: a block of rows is taken
  // in four strided passes, each with one table (m/4 × 2 kB) in L1 while the block's bytes stay in L2.
  for (let block = 0; block < n; block += PREDICT_BLOCK_ROWS) {
    const blockEnd = Math.min(block + PREDICT_BLOCK_ROWS, n);
    for (let first = block; first < block + 4; first++) {
      for (let i = first; i < blockEnd; i += 4) {
        const start = i * m;
        const s = layout && quadOdds && (start + m - 1) >> 2 <= lastWord
          ? prior + sumQuads(layout.words, quadOdds[start & 3], start, m)
          : prior + sumVotes(L, logOdds, start, m);
        // p1 = σ(s) = 1 / (1 + e^-s) for s ≥ 0, e^s / (1 + e^s) below, so that nothing overflows: one exp of -|s|.
        const e = Math.exp(-Math.abs(s));
        const p1 = (s >= 0 ? 1 : e) / (1 + e);
        probs[i * 2] = 1 - p1;
        probs[i * 2 + 1] = p1;
      }
    }
  }
}

const PREDICT_BLOCK_ROWS = 2048;

function sumVotes(L: LabelArray, logOdds: Float64Array, start: number, m: number): number {
  // Abstain (-1) reads a 0 slot, so no branch.
  let s = 0;
  for (let j = 0; j < m; j++) s += logOdds[j * 3 + 1 + L[start + j]];
  return s;
}

function sumQuads(words: Int32Array, table: Float64Array, start: number, m: number): number {
  const first = start >> 2;
  const last = (start + m - 1) >> 2;
  // Two accumulators halve the floating-point add chain that otherwise bounds this loop.
  let even = 0;
  let odd = 0;
  let w = first;
  let base = 0;
  for (; w < last; w += 2, base += 512) {
    even += table[base + foldQuad(words[w])];
    odd += table[base + 256 + foldQuad(words[w + 1])];
  }
  if (w === last) even += table[base + foldQuad(words[w])];
  return even + odd;
}

/** quadOdds[phase][w·256 + idx]: the summed log-odds of the votes that index stands for in word w of a row. */
function buildQuadOdds(logOdds: Float64Array, m: number, wordsPerRow: number): Float64Array[] {
  const tables = [0, 1, 2, 3].map(() => new Float64Array(wordsPerRow * 256));
  forEachQuadEntry(m, wordsPerRow, (phase, w, idx, j, vote) => {
    tables[phase][w * 256 + idx] += logOdds[j * 3 + 1 + vote];
  });
  return tables;
}
