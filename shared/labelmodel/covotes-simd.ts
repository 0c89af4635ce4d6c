// The k = 2 co-vote counts by a WebAssembly SIMD kernel (wasm/covotes.ts says how it counts, and why): the same
// numbers as stats.ts's JavaScript loops, at a cost that does not grow with coverage. Used wherever WebAssembly
// with SIMD is there (Node, the browser train worker); elsewhere, and for k > 2, stats.ts counts in JavaScript.
import { covotesWasm } from './covotes-wasm.ts';
import { align16, wasmKernel } from './wasm-kernel.ts';

interface CovotesExports {
  BLOCK_ROWS: WebAssembly.Global;
  countBlock(rows: number, m: number, groups: number, bits: number, scratch: number, acc: number): number;
}

/** Above this many LFs the pair loop (m² per row, whatever the coverage) costs more than JavaScript's. */
export const MAX_SIMD_LFS = 128;

const kernel = wasmKernel<CovotesExports>(covotesWasm);

export function simdCoVotesAvailable(): boolean {
  return kernel.available();
}

/**
 * Adds the co-vote counts of a k = 2 Int8 matrix into counts (d × d upper triangle, d = 2m, as stats.ts lays them
 * out) and returns whether some vote was outside -1..1; undefined, with counts untouched, when the kernel does not
 * apply (no WebAssembly SIMD, k ≠ 2, Int16 storage, no rows or LFs, more than MAX_SIMD_LFS LFs).
 */
export function countBinaryCoVotesSimd(L: Int8Array | Int16Array, n: number, m: number, k: number, counts: Uint32Array): boolean | undefined {
  if (k !== 2 || !(L instanceof Int8Array) || n === 0 || m === 0 || m > MAX_SIMD_LFS) return undefined;
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
