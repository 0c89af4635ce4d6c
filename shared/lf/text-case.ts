// lower() and upper() of SQL LFs with DuckDB's meaning, for one value and for a whole text column at once.
import { buildColumn, textRows, type StringColumn } from './column-batch.ts';

/**
 * DuckDB's lower/upper map each code point on its own (no final sigma, no expansion to several characters);
 * JavaScript's may expand ('ß' → 'SS', 'İ' → 'i̇'). Map per code point and keep DuckDB's choices.
 */
export function lowerLikeDuckdb(s: string): string {
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    out += l.length === ch.length || [...l].length === 1 ? l : String.fromCodePoint(l.codePointAt(0)!);
  }
  return out;
}

export function upperLikeDuckdb(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === 'ß') { out += 'ẞ'; continue; }
    const u = ch.toUpperCase();
    out += [...u].length === 1 ? u : ch;
  }
  return out;
}

export type CaseMapping = 'lower' | 'upper';
const mapValue: Record<CaseMapping, (s: string) => string> = { lower: lowerLikeDuckdb, upper: upperLikeDuckdb };

/** Per UTF-16 unit: its mapping when that is one unit (not '\n' unless the unit is), -1 when not (surrogates), 0 = not yet known. */
const unitTables: Partial<Record<CaseMapping, Int32Array>> = {};
/** ignoreBOM: a text that starts with U+FEFF keeps it. */
const utf16 = new TextDecoder('utf-16le', { ignoreBOM: true });
const mappedColumns: Record<CaseMapping, WeakMap<StringColumn, StringColumn>> = { lower: new WeakMap(), upper: new WeakMap() };

function mappedUnit(mapping: CaseMapping, unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return -1;
  const mapped = mapValue[mapping](String.fromCharCode(unit));
  const code = mapped.length === 1 ? mapped.charCodeAt(0) : -1;
  return code === 10 && unit !== 10 ? -1 : code;
}

/**
 * lower(column) or upper(column) as a column of its own: row r is mapValue(row r), null rows stay null. Kept per
 * column (a WeakMap), so an SQL LF edited again over lower(text) scans the mapped text without mapping it anew.
 * Fast path: text without surrogates maps unit by unit through a table (each unit is then one code point, and
 * lowerLikeDuckdb/upperLikeDuckdb map each code point on its own), so the offsets stay; otherwise row by row.
 */
export function caseMappedColumn(column: StringColumn, mapping: CaseMapping): StringColumn {
  const known = mappedColumns[mapping].get(column);
  if (known) return known;
  unitTables[mapping] ??= new Int32Array(0x10000);
  const table = unitTables[mapping];
  const { text } = column;
  const units = new Uint16Array(text.length);
  let mapped: StringColumn | undefined;
  for (let p = 0; p < text.length; p++) {
    const unit = text.charCodeAt(p);
    let code = table[unit]!;
    if (code === 0 && unit !== 0) {
      code = mappedUnit(mapping, unit);
      table[unit] = code;
    }
    if (code < 0) {
      mapped = buildColumn('string', textRows(column).map((s) => (s === null ? null : mapValue[mapping](s)))) as StringColumn;
      break;
    }
    units[p] = code;
  }
  mapped ??= { ...column, text: utf16.decode(units) };
  mappedColumns[mapping].set(column, mapped);
  return mapped;
}
