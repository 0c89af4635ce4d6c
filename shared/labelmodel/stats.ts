// Sufficient statistics of a label matrix. Every model here fits from these alone, and they add up:
// a server computes them per partition, merges them, and fits once without holding all rows.
import { countBinaryCoVotesSimd } from './covotes-simd.ts';
import { LabelModelError, type LabelArray } from './matrix.ts';
import { quadLayout, voteOfCode, type QuadLayout } from './quad.ts';
import { foldQuad, validQuadWords } from './quad-fold.ts';

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
  const d = m * k;
  // Counts fit in 32 bits (each ≤ n < 2^32) and a Uint32Array of d² stays in cache for typical d.
  const counts = new Uint32Array(d * d);
  const outOfRange = countBinaryCoVotesSimd(L, n, m, k, counts) ?? countCoVotes(L, n, m, k, counts);
  if (outOfRange) throw new LabelModelError('BAD_INPUT', `the label matrix has votes outside -1..${k - 1} (k=${k}); relabel classes as 0..k-1 with -1 for abstain`);
  const stats: SufficientStats = { n, m, k, coVotes: Float64Array.from(counts) };
  if (options.patterns) stats.patterns = countVotePatterns(L, n, m);
  return stats;
}

/**
 * The co-vote counts in JavaScript, for any k: what the WebAssembly kernel (covotes-simd.ts) computes for k = 2
 * where it runs. Adds into counts; returns whether some vote was outside -1..k-1.
 */
export function countCoVotes(L: LabelArray, n: number, m: number, k: number, counts: Uint32Array): boolean {
  const layout = quadLayout(L, m);
  if (layout && k === 2 && layout.wordsPerRow <= 32) return countBinaryQuads(L, layout, n, m, counts);
  if (layout) return countInt8Words(L as Int8Array, n, m, k, counts);
  return countEntries(L, n, m, k, counts);
}

// The co-vote loops below only ever visit a row's votes: gather the codes j·k+v of its non-abstaining LFs,
// then add 1 for every pair. Codes rise with j, so pairs (a ≤ b) land in the upper triangle. The gather is
// branch-free (whether an LF votes is unpredictable): every code is written and the cursor moves past votes
// only (v >> 31 is -1 for an abstain, 0 for a class). Each returns whether some vote was outside -1..k-1.

function countEntries(L: LabelArray, n: number, m: number, k: number, counts: Uint32Array): boolean {
  const d = m * k;
  const codes = new Int32Array(m + 1);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const row = i * m;
    let active = 0;
    for (let j = 0, jk = 0; j < m; j++, jk += k) {
      const v = L[row + j];
      bad |= ((v + 1) | (k - 1 - v)) >> 31;
      codes[active] = jk + v;
      active += 1 + (v >> 31);
    }
    if (bad === 0) addPairs(codes, active, d, counts);
  }
  return bad !== 0;
}

/** Int8 fast path: four LFs per 32-bit read, and a word of four abstains (0xFFFFFFFF) is skipped whole. */
function countInt8Words(L: Int8Array, n: number, m: number, k: number, counts: Uint32Array): boolean {
  const d = m * k;
  const codes = new Int32Array(m + 1);
  const words = new Int32Array(L.buffer, L.byteOffset, L.length >> 2);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const row = i * m;
    const end = row + m;
    let active = 0;
    let p = row;
    for (; p < end && (p & 3) !== 0; p++) {
      const v = L[p];
      bad |= ((v + 1) | (k - 1 - v)) >> 31;
      codes[active] = (p - row) * k + v;
      active += 1 + (v >> 31);
    }
    for (; p + 4 <= end; p += 4) {
      if (words[p >> 2] === -1) continue;
      const code = (p - row) * k;
      const v0 = L[p];
      const v1 = L[p + 1];
      const v2 = L[p + 2];
      const v3 = L[p + 3];
      bad |= ((v0 + 1) | (k - 1 - v0) | (v1 + 1) | (k - 1 - v1) | (v2 + 1) | (k - 1 - v2) | (v3 + 1) | (k - 1 - v3)) >> 31;
      codes[active] = code + v0;
      active += 1 + (v0 >> 31);
      codes[active] = code + k + v1;
      active += 1 + (v1 >> 31);
      codes[active] = code + 2 * k + v2;
      active += 1 + (v2 >> 31);
      codes[active] = code + 3 * k + v3;
      active += 1 + (v3 >> 31);
    }
    for (; p < end; p++) {
      const v = L[p];
      bad |= ((v + 1) | (k - 1 - v)) >> 31;
      codes[active] = (p - row) * k + v;
      active += 1 + (v >> 31);
    }
    // A bad vote may have produced a code outside the matrix: stop counting, the caller throws.
    if (bad === 0) addPairs(codes, active, d, counts);
  }
  return bad !== 0;
}

/**
 * k = 2 fast path (quad.ts, quad-fold.ts) for rows of at most 32 words: one 32-bit store puts a word's vote
 * codes, one per byte, into the row's code list (a V8 typed-array store costs about as much per element as per
 * word, so this is 4× fewer), and the cursor advances by how many of them are votes: no branch per LF. Codes
 * count from the row's first word (2·(j + phase) + vote), so they fit a byte; the pair loop shifts them back.
 * Bytes of a neighbouring row in a row's first and last word are masked to abstains. Each word is checked
 * against the one valid word of its index; a code-2 byte is no vote, so the check can wait until the end.
 */
function countBinaryQuads(L: LabelArray, layout: QuadLayout, n: number, m: number, counts: Uint32Array): boolean {
  const d = m * 2;
  const { words } = layout;
  const { packedCodes, wordVotes } = binaryWordTables();
  const codes = new Uint8Array(m + 8);
  const codeWords = new DataView(codes.buffer);
  const lastWord = words.length - 1;
  let mismatch = 0;
  for (let i = 0; i < n; i++) {
    const start = i * m;
    const end = start + m;
    const last = (end - 1) >> 2;
    let active = 0;
    let shift = 0;
    if (last > lastWord) {
      for (let j = 0; j < m; j++) {
        const v = L[start + j];
        if (v < -1 || v > 1) return true;
        codes[active] = j * 2 + v;
        active += 1 + (v >> 31);
      }
    } else {
      const phase = start & 3;
      shift = 2 * phase * (d + 1);
      let outside = phase === 0 ? 0 : (1 << (8 * phase)) - 1;
      const endMask = (end & 3) === 0 ? 0 : ~((1 << (8 * (end & 3))) - 1);
      for (let w = start >> 2, offset = 0; w <= last; w++, offset += 0x08080808) {
        if (w === last) outside |= endMask;
        const word = words[w] | outside;
        outside = 0;
        const idx = foldQuad(word);
        mismatch |= word ^ validQuadWords[idx];
        codeWords.setInt32(active, packedCodes[idx] + offset, true);
        active += wordVotes[idx];
      }
    }
    for (let a = 0; a < active; a++) {
      const base = codes[a] * d - shift;
      for (let b = a; b < active; b++) counts[base + codes[b]]++;
    }
  }
  return mismatch !== 0;
}

/** For each 8-bit index: the codes 2b + vote of its voting bytes b, one per byte from the low one, and how many. */
function binaryWordTables(): { packedCodes: Int32Array; wordVotes: Uint8Array } {
  const packedCodes = new Int32Array(256);
  const wordVotes = new Uint8Array(256);
  for (let idx = 0; idx < 256; idx++) {
    for (let b = 0; b < 4; b++) {
      const vote = voteOfCode((idx >> (2 * b)) & 3);
      if (vote >= 0) packedCodes[idx] |= (2 * b + vote) << (8 * wordVotes[idx]++);
    }
  }
  return { packedCodes, wordVotes };
}

function addPairs(codes: Int32Array, active: number, d: number, counts: Uint32Array): void {
  for (let a = 0; a < active; a++) {
    const base = codes[a] * d;
    for (let b = a; b < active; b++) counts[base + codes[b]]++;
  }
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

/** Plain-JSON form of the statistics, for a partition job to hand its part to the job that merges them. */
export interface SufficientStatsJSON {
  n: number;
  m: number;
  k: number;
  /** Non-zero co-vote counts as [index into the d×d matrix, count] pairs: the matrix is mostly zeros. */
  coVotes: [number, number][];
  /**
   * Vote patterns with their counts. A key holds one character per LF, vote + 1 + PATTERN_KEY_OFFSET, so it has no
   * control characters (PostgreSQL's jsonb refuses U+0000, which an abstain would be in the in-memory key).
   */
  patterns?: [string, number][];
}

const PATTERN_KEY_OFFSET = 0x30;
const shiftKey = (key: string, by: number) => String.fromCharCode(...Array.from(key, (ch) => ch.charCodeAt(0) + by));

export function statsToJSON(stats: SufficientStats): SufficientStatsJSON {
  const coVotes: [number, number][] = [];
  stats.coVotes.forEach((count, index) => {
    if (count !== 0) coVotes.push([index, count]);
  });
  const json: SufficientStatsJSON = { n: stats.n, m: stats.m, k: stats.k, coVotes };
  if (stats.patterns) json.patterns = [...stats.patterns].map(([key, count]) => [shiftKey(key, PATTERN_KEY_OFFSET), count]);
  return json;
}

export function statsFromJSON(json: SufficientStatsJSON): SufficientStats {
  const { n, m, k } = json;
  if (![n, m, k].every((x) => Number.isInteger(x) && x >= 0) || k < 2) {
    throw new LabelModelError('BAD_INPUT', `statistics need integer n, m and k ≥ 2, got n=${n} m=${m} k=${k}`);
  }
  const d = m * k;
  const coVotes = new Float64Array(d * d);
  for (const [index, count] of json.coVotes) {
    if (!Number.isInteger(index) || index < 0 || index >= d * d || index % d < Math.floor(index / d)) {
      throw new LabelModelError('BAD_INPUT', `co-vote index ${index} is outside the upper triangle of a ${d}×${d} matrix`);
    }
    coVotes[index] = count;
  }
  const stats: SufficientStats = { n, m, k, coVotes };
  if (json.patterns) stats.patterns = new Map(json.patterns.map(([key, count]) => [shiftKey(key, -PATTERN_KEY_OFFSET), count]));
  return stats;
}
