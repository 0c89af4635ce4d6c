// Text comparison with DuckDB's meaning: VARCHAR compares by UTF-8 bytes, which is Unicode code point order.
// JavaScript's < compares UTF-16 code units, which differs only when a surrogate pair (U+10000 and up)
// meets a character in U+E000..U+FFFF.

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return codePointRank(x) - codePointRank(y);
    return x - y;
  }
  return a.length - b.length;
}

/** Surrogates (D800–DFFF) stand for code points above FFFF: shifted to 10000–107FF they rank above E000–FFFF. */
function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2800 : unit;
}
