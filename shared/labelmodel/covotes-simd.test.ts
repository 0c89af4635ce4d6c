import { afterEach, describe, expect, it, vi } from 'vitest';
import { countBinaryCoVotesSimd, MAX_SIMD_LFS, simdCoVotesAvailable, simdPays } from './covotes-simd.ts';
import { NumpyRandomState } from './random.ts';
import { computeSufficientStats, countCoVotes } from './stats.ts';

/** A k = 2 matrix whose rows are all-abstain, all-vote or random at a per-row density, so every block shape occurs. */
function randomBinaryMatrix(n: number, m: number, seed: number): Int8Array {
  const random = new NumpyRandomState(seed);
  const L = new Int8Array(n * m);
  for (let i = 0; i < n; i++) {
    const kind = random.random();
    const density = kind < 0.1 ? 0 : kind < 0.2 ? 1 : random.random();
    for (let j = 0; j < m; j++) L[i * m + j] = random.random() < density ? (random.random() < 0.5 ? 0 : 1) : -1;
  }
  return L;
}

function countsOf(count: (counts: Uint32Array) => boolean | undefined, m: number): { counts: number[]; bad: boolean | undefined } {
  const counts = new Uint32Array(4 * m * m);
  const bad = count(counts);
  return { counts: Array.from(counts), bad };
}

describe('co-vote counts by the WebAssembly SIMD kernel', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('runs in Node', () => {
    expect(simdCoVotesAvailable()).toBe(true);
  });

  it('count exactly what the JavaScript loops count, for ragged shapes and all-abstain or all-vote rows', () => {
    let seed = 1;
    for (const n of [1, 15, 16, 17, 2047, 2048, 2049, 4500]) {
      for (const m of [1, 2, 3, 5, 15, 16, 17, 33, 50, 64, 101, 130]) {
        if (n * m > 300_000 && n !== 4500 && m !== 50) continue;
        const L = randomBinaryMatrix(n, m, seed++);
        const simd = countsOf((c) => countBinaryCoVotesSimd(L, n, m, 2, c), m);
        const js = countsOf((c) => countCoVotes(L, n, m, 2, c), m);
        expect(simd.bad, `n=${n} m=${m}`).toBe(false);
        expect(simd.counts, `n=${n} m=${m}`).toEqual(js.counts);
      }
    }
  });

  it('read a view at any offset of a larger buffer, and nothing after its end', () => {
    const n = 2100;
    const m = 13;
    const backing = new Int8Array(3 + n * m + 40).fill(7);
    backing.set(randomBinaryMatrix(n, m, 99), 3);
    const view = backing.subarray(3, 3 + n * m);
    const simd = countsOf((c) => countBinaryCoVotesSimd(view, n, m, 2, c), m);
    expect(simd.bad).toBe(false);
    expect(simd.counts).toEqual(countsOf((c) => countCoVotes(Int8Array.from(view), n, m, 2, c), m).counts);
  });

  it('flag a vote outside -1..1 wherever it is, and computeSufficientStats refuses it with the same error', () => {
    const n = 2049;
    const m = 17;
    for (const at of [0, 16, 17, 2048 * m - 1, 2048 * m, n * m - 1]) {
      for (const bad of [-2, 2, 127, -128]) {
        const L = randomBinaryMatrix(n, m, at);
        L[at] = bad;
        expect(countBinaryCoVotesSimd(L, n, m, 2, new Uint32Array(4 * m * m)), `L[${at}] = ${bad}`).toBe(true);
        expect(countCoVotes(L, n, m, 2, new Uint32Array(4 * m * m))).toBe(true);
        expect(() => computeSufficientStats(L, n, m, 2)).toThrow(
          expect.objectContaining({ code: 'BAD_INPUT', message: 'the label matrix has votes outside -1..1 (k=2); relabel classes as 0..k-1 with -1 for abstain' }),
        );
      }
    }
  });

  it('leave k > 2, Int16 storage, empty matrices and very wide ones to JavaScript', () => {
    const counts = new Uint32Array(0);
    expect(countBinaryCoVotesSimd(new Int8Array(30), 10, 3, 3, counts)).toBeUndefined();
    expect(countBinaryCoVotesSimd(new Int16Array(30), 10, 3, 2, counts)).toBeUndefined();
    expect(countBinaryCoVotesSimd(new Int8Array(0), 0, 3, 2, counts)).toBeUndefined();
    expect(countBinaryCoVotesSimd(new Int8Array(MAX_SIMD_LFS + 1), 1, MAX_SIMD_LFS + 1, 2, counts)).toBeUndefined();
  });

  it('leave a sparse matrix of many LFs to JavaScript, which counts it faster, and take a dense one', () => {
    const m = 120;
    const sparse = new Int8Array(500 * m).fill(-1);
    for (let i = 0; i < 500; i++) sparse[i * m + (i % m)] = 1;
    expect(simdPays(sparse, 500, m)).toBe(false);
    expect(countBinaryCoVotesSimd(sparse, 500, m, 2, new Uint32Array(4 * m * m))).toBeUndefined();
    const dense = randomBinaryMatrix(500, m, 8);
    expect(simdPays(dense, 500, m)).toBe(true);
    expect(simdPays(sparse.subarray(0, 500 * 50), 500, 50)).toBe(true);
  });

  it('fall back to the JavaScript counts where WebAssembly or its SIMD is missing', async () => {
    const n = 300;
    const m = 9;
    const L = randomBinaryMatrix(n, m, 5);
    const expected = countsOf((c) => countCoVotes(L, n, m, 2, c), m).counts;
    // No WebAssembly at all; a WebAssembly whose compiler refuses the SIMD opcodes.
    const noSimd = { Module: class { constructor() { throw new Error('CompileError: invalid opcode 0xfd'); } } };
    for (const missing of [undefined, noSimd]) {
      vi.resetModules();
      vi.stubGlobal('WebAssembly', missing);
      const simd = await import('./covotes-simd.ts');
      const stats = await import('./stats.ts');
      expect(simd.simdCoVotesAvailable()).toBe(false);
      expect(simd.countBinaryCoVotesSimd(L, n, m, 2, new Uint32Array(4 * m * m))).toBeUndefined();
      expect(Array.from(stats.computeSufficientStats(L, n, m, 2).coVotes)).toEqual(expected);
      vi.unstubAllGlobals();
    }
  });
});
