// Dawid–Skene EM (J. R. Stat. Soc. C 28(1), 1979): a full confusion matrix per LF, abstain one of its responses
// (WRENCH's variant, abstains as missing, is an option), posteriors initialised by soft majority vote. It iterates over the distinct
// vote patterns of the sufficient statistics, weighted by their counts, so duplicates cost nothing and
// partitions merge.
import type { LogLinearModel } from './loglinear.ts';
import { LabelModelError } from './matrix.ts';
import type { SufficientStats } from './stats.ts';

export interface DawidSkeneOptions {
  maxIterations?: number;
  /** Stop when Σ|Δprior| + Σ|Δconfusion| falls below this (WRENCH: 1e-5). */
  tol?: number;
  /** Pseudo-count added to every confusion cell, so an unseen (class, vote) pair is unlikely, not impossible. */
  smoothing?: number;
  /**
   * Treat "abstain" as one more response in each confusion row (the default) instead of as missing. WRENCH's DS
   * ignores abstains, which leaves a single-polarity LF, the usual kind, uninformative (it always votes its one
   * class): on youtube its test F1 is 0.0 that way and 79.6 this way. Here whether an LF fires at all is evidence,
   * as it is for Snorkel.
   */
  abstainAsVote?: boolean;
}

export interface DawidSkeneModel extends LogLinearModel {
  kind: 'ds';
  params: { maxIterations: number; tol: number; smoothing: number; abstainAsVote: boolean };
  iterations: number;
  classPrior: Float64Array;
  /**
   * m × k × r with r = k (or k + 1 when abstain is a response, last column):
   * confusion[(j·k + y)·r + l] = P(λ_j = l | Y = y) (given that LF j votes, unless abstain is a response).
   */
  confusion: Float64Array;
}

export function fitDawidSkene(stats: SufficientStats, options: DawidSkeneOptions = {}): DawidSkeneModel {
  const { m, k, patterns } = stats;
  if (!patterns) throw new LabelModelError('BAD_PARAMS', 'Dawid–Skene needs vote patterns: compute the statistics with { patterns: true }');
  const maxIterations = options.maxIterations ?? 1000;
  const tol = options.tol ?? 1e-5;
  const smoothing = options.smoothing ?? 0.01;

  const abstainAsVote = options.abstainAsVote ?? true;
  const r = abstainAsVote ? k + 1 : k;

  const { codes, offsets, weights } = decodePatterns(patterns, m, k, abstainAsVote);
  const count = weights.length;
  const posterior = softMajorityVote(codes, offsets, weights, k, r);
  const prior = new Float64Array(k);
  const confusion = new Float64Array(m * k * r);
  const previousPrior = new Float64Array(k);
  const previousConfusion = new Float64Array(m * k * r);
  // E-step table over response codes j·r + l: log P(λ_j = l | Y = y).
  const responseLog = new Float64Array(m * r * k);
  const logPrior = new Float64Array(k);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    maximise(codes, offsets, weights, posterior, k, r, m, smoothing, prior, confusion);
    for (let j = 0; j < m; j++) {
      for (let y = 0; y < k; y++) for (let l = 0; l < r; l++) responseLog[(j * r + l) * k + y] = Math.log(confusion[(j * k + y) * r + l]);
    }
    for (let y = 0; y < k; y++) logPrior[y] = Math.log(prior[y]);
    expect(codes, offsets, count, k, responseLog, logPrior, posterior);
    if (iterations > 1 && change(prior, previousPrior) + change(confusion, previousConfusion) < tol) break;
    previousPrior.set(prior);
    previousConfusion.set(confusion);
  }
  const predictor = foldIntoLogLinear(responseLog, logPrior, m, k, r);
  return {
    kind: 'ds', ...predictor, classPrior: prior, confusion, iterations,
    params: { maxIterations, tol, smoothing, abstainAsVote },
  };
}

/**
 * The log-linear predictor adds nothing for an abstaining LF, so fold "every LF abstains" into the prior and
 * make each vote's entry relative to abstaining: the same posterior, one shared prediction path.
 */
function foldIntoLogLinear(responseLog: Float64Array, logPriorIn: Float64Array, m: number, k: number, r: number): LogLinearModel {
  const logPrior = Float64Array.from(logPriorIn);
  const logTable = new Float64Array(m * k * k);
  for (let j = 0; j < m; j++) {
    for (let y = 0; y < k; y++) {
      const abstain = r > k ? responseLog[(j * r + k) * k + y] : 0;
      logPrior[y] += abstain;
      for (let l = 0; l < k; l++) logTable[(j * k + l) * k + y] = responseLog[(j * r + l) * k + y] - abstain;
    }
  }
  return { m, k, logTable, logPrior };
}

interface DecodedPatterns {
  /** Response codes j·r + l of every pattern, concatenated (l = k: abstained, when that is a response). */
  codes: Int32Array;
  offsets: Int32Array;
  weights: Float64Array;
}

function decodePatterns(patterns: Map<string, number>, m: number, k: number, abstainAsVote: boolean): DecodedPatterns {
  const r = abstainAsVote ? k + 1 : k;
  const codes: number[] = [];
  const offsets = [0];
  const weights: number[] = [];
  for (const [key, weight] of patterns) {
    for (let j = 0; j < m; j++) {
      const v = key.charCodeAt(j) - 1;
      if (v >= 0) codes.push(j * r + v);
      else if (abstainAsVote) codes.push(j * r + k);
    }
    offsets.push(codes.length);
    weights.push(weight);
  }
  return { codes: Int32Array.from(codes), offsets: Int32Array.from(offsets), weights: Float64Array.from(weights) };
}

function softMajorityVote(codes: Int32Array, offsets: Int32Array, weights: Float64Array, k: number, r: number): Float64Array {
  const posterior = new Float64Array(weights.length * k);
  for (let i = 0; i < weights.length; i++) {
    let votes = 0;
    for (let c = offsets[i]; c < offsets[i + 1]; c++) {
      const l = codes[c] % r;
      if (l < k) {
        posterior[i * k + l]++;
        votes++;
      }
    }
    if (votes === 0) posterior.fill(1 / k, i * k, i * k + k);
    else for (let y = 0; y < k; y++) posterior[i * k + y] /= votes;
  }
  return posterior;
}

function maximise(
  codes: Int32Array, offsets: Int32Array, weights: Float64Array, posterior: Float64Array,
  k: number, r: number, m: number, smoothing: number, prior: Float64Array, confusion: Float64Array,
): void {
  prior.fill(0);
  confusion.fill(smoothing);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    total += w;
    for (let y = 0; y < k; y++) prior[y] += w * posterior[i * k + y];
    for (let c = offsets[i]; c < offsets[i + 1]; c++) {
      const l = codes[c] % r;
      const j = (codes[c] - l) / r;
      for (let y = 0; y < k; y++) confusion[(j * k + y) * r + l] += w * posterior[i * k + y];
    }
  }
  for (let y = 0; y < k; y++) prior[y] /= total;
  for (let row = 0; row < m * k; row++) {
    let rowSum = 0;
    for (let l = 0; l < r; l++) rowSum += confusion[row * r + l];
    for (let l = 0; l < r; l++) confusion[row * r + l] /= rowSum;
  }
}

function expect(codes: Int32Array, offsets: Int32Array, count: number, k: number, responseLog: Float64Array, logPrior: Float64Array, posterior: Float64Array): void {
  for (let i = 0; i < count; i++) {
    const out = i * k;
    for (let y = 0; y < k; y++) posterior[out + y] = logPrior[y];
    for (let c = offsets[i]; c < offsets[i + 1]; c++) {
      const base = codes[c] * k;
      for (let y = 0; y < k; y++) posterior[out + y] += responseLog[base + y];
    }
    let max = -Infinity;
    for (let y = 0; y < k; y++) if (posterior[out + y] > max) max = posterior[out + y];
    let z = 0;
    for (let y = 0; y < k; y++) {
      posterior[out + y] = Math.exp(posterior[out + y] - max);
      z += posterior[out + y];
    }
    for (let y = 0; y < k; y++) posterior[out + y] /= z;
  }
}

function change(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum;
}
