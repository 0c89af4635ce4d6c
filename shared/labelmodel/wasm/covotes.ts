// AssemblyScript, compiled to shared/labelmodel/covotes-wasm.ts by `npm run build:wasm` (wasm-kernels.test.ts checks
// that the committed bytes are this file's). Why it exists: on a dense k = 2 matrix the co-vote statistics cost one
// scalar increment per pair of votes in a row (about 100 M for 1 M rows × 50 LFs at 14 votes a row), the bulk of a
// Snorkel fit. Here the cost does not depend on coverage: each LF's votes over a block of rows become two bitsets
// (V: votes, P: votes for class 1), and a pair of LFs needs four AND + popcount over them, 128 rows a SIMD op.
//
// JS (covotes-simd.ts) copies BLOCK_ROWS rows at a time into `rows` (a short last block padded with abstains, and
// 16 abstain bytes after the block), calls countBlock, and reads the per-pair totals from `acc` at the end.

/** Rows per block: 16 v128 words per bitset, so a byte lane counts at most 16 × 8 = 128 before it is widened. */
export const BLOCK_ROWS: i32 = 2048;
const BITSET_BYTES: i32 = BLOCK_ROWS / 8;
/** First free byte of linear memory: JS lays its buffers out from here. */
export const heapBase: usize = __heap_base;

// Interleaving the low (high) halves of two vectors' bytes: one stage of a 16 × 16 byte transpose.
@inline function interleaveLow(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
@inline function interleaveHigh(x: v128, y: v128): v128 {
  return i8x16.shuffle(x, y, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

/**
 * Adds one block's co-vote counts to `acc` and returns 1 when some byte of the block is not -1, 0 or 1.
 *
 * rows: BLOCK_ROWS × m vote bytes (row-major) and 16 bytes of -1 after them. bits: 2 × BITSET_BYTES per LF for
 * groups × 16 LFs (groups = ceil(m / 16)). scratch: 512 bytes. acc: four u32x4 per LF pair j ≤ l, in the order
 * (0,0), (0,1) … (0,m-1), (1,1) …: lanes summing to |V_j∧V_l|, |P_j∧P_l|, |P_j∧V_l|, |V_j∧P_l|.
 */
export function countBlock(rows: usize, m: i32, groups: i32, bits: usize, scratch: usize, acc: usize): i32 {
  const highest = transposeBlock(rows, m, groups, bits, scratch);
  countPairs(m, bits, acc);
  // A valid byte b has b + 1 ∈ {0, 1, 2} (unsigned).
  return i32(i8x16.extract_lane_u(highest, 0) > 2);
}

/**
 * Writes each LF's bitsets V and P for the block; returns the lane-wise unsigned maximum of byte + 1.
 * A 16 × 16 tile (16 rows, 16 LFs) is transposed by four rounds of interleaves: each round moves one bit of the
 * row index into the byte lane, so after four the vector index is the LF and the lane is the row.
 */
function transposeBlock(rows: usize, m: i32, groups: i32, bits: usize, scratch: usize): v128 {
  const one = i8x16.splat(1);
  let highest = i8x16.splat(0);
  const a = scratch;
  const b = scratch + 256;
  for (let group = 0; group < BLOCK_ROWS / 16; group++) {
    const tileRows = rows + <usize>(group * 16 * m);
    for (let c = 0; c < groups; c++) {
      const tile = tileRows + <usize>(c * 16);
      for (let i = 0; i < 8; i++) {
        const x = v128.load(tile + <usize>(i * m));
        const y = v128.load(tile + <usize>((i + 8) * m));
        highest = i8x16.max_u(highest, i8x16.max_u(i8x16.add(x, one), i8x16.add(y, one)));
        v128.store(a + <usize>(i * 32), interleaveLow(x, y));
        v128.store(a + <usize>(i * 32 + 16), interleaveHigh(x, y));
      }
      interleaveRound(a, b);
      interleaveRound(b, a);
      const lfBits = bits + <usize>(c * 16 * 2 * BITSET_BYTES + group * 2);
      for (let i = 0; i < 8; i++) {
        const x = v128.load(a + <usize>(i * 16));
        const y = v128.load(a + <usize>((i + 8) * 16));
        storeBitsets(lfBits + <usize>(2 * i * 2 * BITSET_BYTES), interleaveLow(x, y));
        storeBitsets(lfBits + <usize>((2 * i + 1) * 2 * BITSET_BYTES), interleaveHigh(x, y));
      }
    }
  }
  // Fold the 16 lanes' maximum into lane 0.
  highest = i8x16.max_u(highest, i8x16.shuffle(highest, highest, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0));
  highest = i8x16.max_u(highest, i8x16.shuffle(highest, highest, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  highest = i8x16.max_u(highest, i8x16.shuffle(highest, highest, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  return i8x16.max_u(highest, i8x16.shuffle(highest, highest, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
}

@inline function interleaveRound(from: usize, to: usize): void {
  for (let i = 0; i < 8; i++) {
    const x = v128.load(from + <usize>(i * 16));
    const y = v128.load(from + <usize>((i + 8) * 16));
    v128.store(to + <usize>(i * 32), interleaveLow(x, y));
    v128.store(to + <usize>(i * 32 + 16), interleaveHigh(x, y));
  }
}

/** One LF's 16 rows: V (a vote: the byte is 0 or 1, sign bit clear) and P (a vote for class 1). */
@inline function storeBitsets(at: usize, column: v128): void {
  store<u16>(at, ~i8x16.bitmask(column));
  store<u16>(at + <usize>BITSET_BYTES, i8x16.bitmask(i8x16.eq(column, i8x16.splat(1))));
}

function countPairs(m: i32, bits: usize, acc: usize): void {
  let out = acc;
  for (let j = 0; j < m; j++) {
    const vj = bits + <usize>(j * 2 * BITSET_BYTES);
    const pj = vj + <usize>BITSET_BYTES;
    for (let l = j; l < m; l++) {
      const vl = bits + <usize>(l * 2 * BITSET_BYTES);
      const pl = vl + <usize>BITSET_BYTES;
      let vv = i8x16.splat(0);
      let pp = i8x16.splat(0);
      let pv = i8x16.splat(0);
      let vp = i8x16.splat(0);
      for (let t: usize = 0; t < <usize>BITSET_BYTES; t += 16) {
        const Vj = v128.load(vj + t);
        const Pj = v128.load(pj + t);
        const Vl = v128.load(vl + t);
        const Pl = v128.load(pl + t);
        vv = i8x16.add(vv, i8x16.popcnt(v128.and(Vj, Vl)));
        pp = i8x16.add(pp, i8x16.popcnt(v128.and(Pj, Pl)));
        pv = i8x16.add(pv, i8x16.popcnt(v128.and(Pj, Vl)));
        vp = i8x16.add(vp, i8x16.popcnt(v128.and(Vj, Pl)));
      }
      addWidened(out, vv);
      addWidened(out + 16, pp);
      addWidened(out + 32, pv);
      addWidened(out + 48, vp);
      out += 64;
    }
  }
}

/** acc (u32x4) += the sixteen u8 lanes of counts, summed in fours. */
@inline function addWidened(at: usize, counts: v128): void {
  const wide = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(counts));
  v128.store(at, i32x4.add(v128.load(at), wide));
}
