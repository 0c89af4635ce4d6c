// Reading a k = 2 Int8 label matrix four votes at a time. After `word & 0x03030303` every byte holds two bits
// that name its vote (3 = abstain 0xFF, 0 = class 0, 1 = class 1), and folding the four bytes gives an 8-bit
// index. A table per (row alignment, word of the row) then answers "what do these four LFs contribute" in one
// lookup instead of four byte loads and four lookups. Rows need not be word-aligned: bytes of a neighbouring
// row in the first and last word of a row are "don't care" in that word's table.

/** Fold the 2-bit vote codes of the four bytes of a 32-bit word into one 8-bit index. */
export function quadIndex(word: number): number {
  const x = word & 0x03030303;
  return (x | (x >>> 6) | (x >>> 12) | (x >>> 18)) & 0xff;
}

/** The vote a 2-bit code stands for: -1 (abstain), 0, 1; code 2 never occurs in a valid matrix. */
export function voteOfCode(code: number): number {
  return code === 0 ? 0 : code === 1 ? 1 : -1;
}

/** Whether every byte of the word is -1, 0 or 1: its high 7 bits all equal its sign bit, and a negative byte is odd (0xFF, not 0xFE). */
export function quadIsValid(word: number): boolean {
  const signs = (word & 0x80808080) >>> 7;
  return ((word >>> 1) & 0x7f7f7f7f) === signs * 0x7f && (signs & ~word & 0x01010101) === 0;
}

export interface QuadLayout {
  /** Words a row can touch: ceil((3 + m) / 4). */
  wordsPerRow: number;
  words: Int32Array;
}

/** Null unless the matrix can be read as aligned 32-bit words (Int8 storage, 4-byte-aligned view). */
export function quadLayout(L: Int8Array | Int16Array, m: number): QuadLayout | null {
  if (!(L instanceof Int8Array) || (L.byteOffset & 3) !== 0) return null;
  return { wordsPerRow: (m + 6) >> 2, words: new Int32Array(L.buffer, L.byteOffset, L.length >> 2) };
}

/**
 * For each alignment phase (row start mod 4) and word w of a row, calls visit(phase, w, idx, j, vote) for every
 * in-row byte position of every 8-bit index, so callers can fill their own tables.
 */
export function forEachQuadEntry(m: number, wordsPerRow: number, visit: (phase: number, w: number, idx: number, j: number, vote: number) => void): void {
  for (let phase = 0; phase < 4; phase++) {
    for (let w = 0; w < wordsPerRow; w++) {
      for (let idx = 0; idx < 256; idx++) {
        for (let b = 0; b < 4; b++) {
          const j = w * 4 + b - phase;
          if (j >= 0 && j < m) visit(phase, w, idx, j, voteOfCode((idx >> (2 * b)) & 3));
        }
      }
    }
  }
}
