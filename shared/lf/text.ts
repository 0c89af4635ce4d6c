// Text comparison with DuckDB's meaning: VARCHAR compares by UTF-8 bytes, which is Unicode code point order.
// JavaScript's < compares UTF-16 code units, which differs only when a surrogate pair (U+10000 and up)
// meets a character in U+E000..U+FFFF. And the substring tests of a text column, one pass over its joined text.
import type { StringColumn } from './column-batch.ts';

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

export type TextMatch = 'contains' | 'startswith' | 'endswith' | 'equals';

/**
 * Rows of a text column that contain / start with / end with / equal `v` (1), as String.includes, startsWith,
 * endsWith and === on each row's text would say; null rows (stored as '') are the caller's to clear.
 */
export function textMatchMask(c: StringColumn, op: TextMatch, v: string, out: Uint8Array): Uint8Array {
  const n = out.length;
  const { text, offsets } = c;
  if (op === 'startswith') {
    for (let i = 0; i < n; i++) out[i] = +(offsets[i] + v.length <= offsets[i + 1] - 1 && text.startsWith(v, offsets[i]));
  } else if (op === 'endswith') {
    for (let i = 0; i < n; i++) {
      const end = offsets[i + 1] - 1;
      out[i] = +(end - v.length >= offsets[i] && text.endsWith(v, end));
    }
  } else if (op === 'equals') {
    for (let i = 0; i < n; i++) out[i] = +(offsets[i + 1] - 1 - offsets[i] === v.length && text.startsWith(v, offsets[i]));
  } else if (v.includes('\n') || v === '') {
    for (let i = 0; i < n; i++) out[i] = +text.slice(offsets[i], offsets[i + 1] - 1).includes(v);
  } else {
    // One indexOf scan over the joined column; after a hit, jump to the next row.
    let row = 0;
    let at = text.indexOf(v, 0);
    while (at !== -1) {
      while (offsets[row + 1] <= at) row++;
      if (at + v.length <= offsets[row + 1] - 1) {
        out[row] = 1;
        at = text.indexOf(v, offsets[row + 1]);
      } else {
        at = text.indexOf(v, at + 1);
      }
    }
  }
  return out;
}
