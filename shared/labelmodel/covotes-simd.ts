// The k = 2 co-vote counts by a WebAssembly SIMD kernel (wasm/covotes.ts says how it counts, and why): the same
// numbers as stats.ts's JavaScript loops, at a cost that does not grow with coverage. Used wherever WebAssembly
// with SIMD is there (Node, the browser train worker); elsewhere, and for k > 2, stats.ts counts in JavaScript.
import { covotesWasm } from './covotes-wasm.ts';
import { align16, wasmKernel } from './wasm-kernel.ts';

interface CovotesExports {
  BLOCK_ROWS: WebAssembly.Global;
  countBlock(rows: number, m: number, groups: number, bits: number, scratch: number, acc: number): number;
}

/** A bound on the kernel's memory: its per-pair totals take 64 bytes for each of m(m+1)/2 pairs (8 MB here). */
export const MAX_SIMD_LFS = 512;

const kernel = wasmKernel<CovotesExports>(covotesWasm);

export function simdCoVotesAvailable(): boolean {
  return kernel.available();
}

/**
 * Adds the co-vote counts of a k = 2 Int8 matrix into counts (d × d upper triangle, d = 2m, as stats.ts lays them
 * out) and returns whether some vote was outside -1..1; undefined, with counts untouched, when the kernel does not
 * apply (no WebAssembly SIMD, k ≠ 2, Int16 storage, no rows or LFs, more than MAX_SIMD_LFS LFs) or JavaScript would
 * be faster (simdPays).
 */
export function countBinaryCoVotesSimd(L: Int8Array | Int16Array, n: number, m: number, k: number, counts: Uint32Array): boolean | undefined {
  if (k !== 2 || !(L instanceof Int8Array) || n === 0 || m === 0 || m > MAX_SIMD_LFS || !simdPays(L, n, m)) return undefined;
  const wasm = kernel.instance();
  if (!wasm) return undefined;
  const blockRows = wasm.exports.BLOCK_ROWS.value as number;
  const groups = Math.ceil(m / 16);
  const pairs = (m * (m + 1)) / 2;
  const rowBytes = align16(blockRows * m + 16);
  const bitBytes = groups * 16 * 2 * (blockRows / 8);
  wasm.reserve(rowBytes + bitBytes + 512 + pairs * 64);
  // Fresh memory is zeroed, so the accumulators start at 0.
  const rows = wasm.heapBase;
  const bits = rows + rowBytes;
  const scratch = bits + bitBytes;
  const acc = scratch + 512;
  const memory = new Uint8Array(wasm.memory.buffer);
  // Bytes read past the block's last row (the last LF group overhangs it) are abstains.
  memory.fill(0xff, rows + blockRows * m, rows + blockRows * m + 16);
  let bad = 0;
  for (let first = 0; first < n; first += blockRows) {
    const last = Math.min(first + blockRows, n);
    memory.set(L.subarray(first * m, last * m), rows);
    if (last - first < blockRows) memory.fill(0xff, rows + (last - first) * m, rows + blockRows * m);
    bad |= wasm.exports.countBlock(rows, m, groups, bits, scratch, acc);
    if (bad) return true;
  }
  addPairCounts(new Uint32Array(wasm.memory.buffer, acc, pairs * 16), m, counts);
  return false;
}

/**
 * Whether the kernel beats stats.ts's loops on this matrix. The kernel costs about m²/70 ns a row whatever the votes;
 * the loops about m ns a row plus 1.5 ns per pair of votes in it (both measured on x64, Node 24, m = 10…128). So with
 * up to 70 LFs the kernel always wins; with more, a sparse matrix is faster in JavaScript. The pairs per row are
 * estimated from up to 1,024 rows spread over the matrix.
 */
export function simdPays(L: Int8Array, n: number, m: number): boolean {
  if (m <= 70) return true;
  const sample = Math.min(n, 1024);
  let pairs = 0;
  for (let r = 0; r < sample; r++) {
    const start = Math.floor((r * n) / sample) * m;
    let votes = 0;
    for (let j = 0; j < m; j++) votes += L[start + j] >= 0 ? 1 : 0;
    pairs += (votes * (votes + 1)) / 2;
  }
  return (m * m) / 70 < m + (1.5 * pairs) / sample;
}

/**
 * From the per-pair totals |V_j∧V_l|, |P_j∧P_l|, |P_j∧V_l|, |V_j∧P_l| (each in four lanes) to the counts of the
 * four vote combinations: with N = V∧¬P (votes for class 0), P∧N = P∧V − P∧P and N∧N = V∧V − the other three.
 * On the diagonal (j = l) the same formula gives |N_j|, |P_j| and 0 for "votes 0 and 1 at once".
 */
function addPairCounts(totals: Uint32Array, m: number, counts: Uint32Array): void {
  const d = 2 * m;
  const sum = (at: number) => totals[at] + totals[at + 1] + totals[at + 2] + totals[at + 3];
  let at = 0;
  for (let j = 0; j < m; j++) {
    for (let l = j; l < m; l++, at += 16) {
      const vv = sum(at);
      const pp = sum(at + 4);
      const pn = sum(at + 8) - pp;
      const np = sum(at + 12) - pp;
      const zeroRow = 2 * j * d;
      const oneRow = zeroRow + d;
      counts[zeroRow + 2 * l] += vv - pp - pn - np;
      counts[zeroRow + 2 * l + 1] += np;
      if (l > j) counts[oneRow + 2 * l] += pn;
      counts[oneRow + 2 * l + 1] += pp;
    }
  }
}
