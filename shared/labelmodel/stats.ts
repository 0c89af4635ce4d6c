// Sufficient statistics of a label matrix. Every model here fits from these alone, and they add up:
// a server computes them per partition, merges them, and fits once without holding all rows.
import { LabelModelError, type LabelArray } from './matrix.ts';

export interface SufficientStats {
  n: number;
  m: number;
  k: number;
  /**
   * Co-vote counts of the one-hot vote matrix A (n × d, d = m·k, column j·k+y = "LF j votes y"):
   * entry [a·d + b] holds (AᵀA)[a, b] for a ≤ b (upper triangle incl. the diagonal; the lower half is 0).
   * Snorkel's O is this matrix, symmetrised, divided by n.
   */
  coVotes: Float64Array;
  /**
   * Distinct vote rows and how often each occurs (key: one char per LF, vote + 1), present only when asked
   * for. Dawid–Skene iterates over these instead of over rows.
   */
  patterns?: Map<string, number>;
}

export interface StatsOptions {
  patterns?: boolean;
}

export function computeSufficientStats(L: LabelArray, n: number, m: number, k: number, options: StatsOptions = {}): SufficientStats {
  if (L.length !== n * m) throw new LabelModelError('BAD_INPUT', `label matrix has ${L.length} entries, expected ${n}×${m}`);
  checkVoteRange(L, k);
  const d = m * k;
  // Counts fit in 32 bits (each ≤ n < 2^32) and a Uint32Array of d² stays in cache for typical d.
  const counts = new Uint32Array(d * d);
  const codes = new Int32Array(m + 1);
  for (let i = 0; i < n; i++) {
    const row = i * m;
    let active = 0;
    // Branch-free gather: whether an LF votes is data-dependent and unpredictable, so write every code and
    // advance the cursor only past votes (v >> 31 is -1 for an abstain, 0 for a class).
    for (let j = 0, jk = 0; j < m; j++, jk += k) {
      const v = L[row + j];
      codes[active] = jk + v;
      active += 1 + (v >> 31);
    }
    // Codes rise with j, so (codes[a], codes[b]) for b ≥ a lands in the upper triangle; only non-abstain
    // entries are visited, which is what makes sparse LFs cheap.
    for (let a = 0; a < active; a++) {
      const base = codes[a] * d;
      for (let b = a; b < active; b++) counts[base + codes[b]]++;
    }
  }
  const stats: SufficientStats = { n, m, k, coVotes: Float64Array.from(counts) };
  if (options.patterns) stats.patterns = countVotePatterns(L, n, m);
  return stats;
}

function checkVoteRange(L: LabelArray, k: number): void {
  let min = 0;
  let max = 0;
  for (let i = 0; i < L.length; i++) {
    const v = L[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min < -1 || max >= k) throw new LabelModelError('BAD_INPUT', `votes range over ${min}..${max}, outside -1..${k - 1} (k=${k})`);
}

export function votePatternKey(L: LabelArray, row: number, m: number): string {
  let key = '';
  for (let j = 0; j < m; j++) key += String.fromCharCode(L[row + j] + 1);
  return key;
}

function countVotePatterns(L: LabelArray, n: number, m: number): Map<string, number> {
  const patterns = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = votePatternKey(L, i * m, m);
    patterns.set(key, (patterns.get(key) ?? 0) + 1);
  }
  return patterns;
}

export function mergeStats(a: SufficientStats, b: SufficientStats): SufficientStats {
  if (a.m !== b.m || a.k !== b.k) {
    throw new LabelModelError('BAD_INPUT', `cannot merge statistics of ${a.m} LFs/k=${a.k} with ${b.m} LFs/k=${b.k}`);
  }
  const coVotes = new Float64Array(a.coVotes.length);
  for (let i = 0; i < coVotes.length; i++) coVotes[i] = a.coVotes[i] + b.coVotes[i];
  const merged: SufficientStats = { n: a.n + b.n, m: a.m, k: a.k, coVotes };
  if (a.patterns && b.patterns) {
    const patterns = new Map(a.patterns);
    for (const [key, count] of b.patterns) patterns.set(key, (patterns.get(key) ?? 0) + count);
    merged.patterns = patterns;
  }
  return merged;
}

/** Fraction of rows each LF votes on (Snorkel's lf_coverages), read off the co-vote diagonal. */
export function lfCoverages(stats: SufficientStats): Float64Array {
  const { n, m, k, coVotes } = stats;
  const d = m * k;
  const coverage = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let votes = 0;
    for (let y = 0; y < k; y++) votes += coVotes[(j * k + y) * (d + 1)];
    coverage[j] = n === 0 ? 0 : votes / n;
  }
  return coverage;
}
