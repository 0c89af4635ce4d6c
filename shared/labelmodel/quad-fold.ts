// Faster companions to quad.ts for the hot loops of stats.ts and loglinear.ts: the same 8-bit index from one
// multiply instead of three shifts and ORs, and a validity check that is one table lookup per word.

/**
 * quadIndex(word) from one multiply: after `& 0x03030303` each byte holds a 2-bit code, and multiplying by
 * 2^24 + 2^18 + 2^12 + 2^6 lands byte b's code at bit 24 + 2b, with no carries (the other products fall on
 * disjoint bits below 24 or above 31).
 */
export function foldQuad(word: number): number {
  return Math.imul(word & 0x03030303, 0x01041040) >>> 24;
}

/**
 * For each 8-bit index, the only word that is valid with it: code 0 → byte 0x00, 1 → 0x01, 3 → 0xFF (-1).
 * Code 2 never occurs in a valid word, so its byte is 0x00, which a byte with code 2 can never equal: a word is
 * a valid row of -1/0/1 votes exactly when it equals validQuadWords[foldQuad(word)].
 */
export const validQuadWords: Int32Array = (() => {
  const words = new Int32Array(256);
  const byteOfCode = [0x00, 0x01, 0x00, 0xff];
  for (let idx = 0; idx < 256; idx++) {
    let word = 0;
    for (let b = 0; b < 4; b++) word |= byteOfCode[(idx >> (2 * b)) & 3] << (8 * b);
    words[idx] = word;
  }
  return words;
})();
