// The columnar form LF engines scan. A browser worker builds it from Arrow/Parquet, the server from DuckDB
// results; both through the column builders below, so they produce the same layout.
import type { AssetSchema, ColumnType } from './columns.ts';

/** 1 marks a null row; absent when the column has no nulls (the common case costs nothing). */
export type NullMask = Uint8Array | null;

export type BatchColumn =
  /** Float64Array when every value is a safe integer (fast, exact); BigInt64Array otherwise. */
  | { type: 'integer'; values: Float64Array | BigInt64Array; nulls: NullMask }
  | { type: 'float'; values: Float64Array; nulls: NullMask }
  | { type: 'boolean'; values: Uint8Array; nulls: NullMask }
  /** Microseconds since 1970-01-01 00:00 (wall clock, no zone), exact up to ±285 years around 1970. */
  | { type: 'timestamp'; values: Float64Array; nulls: NullMask }
  | StringColumn;

/**
 * Text kept as one string with rows joined by '\n', so a regex scans a column in one pass instead of
 * one call per row. Row r is text.slice(offsets[r], offsets[r + 1] - 1); a null row is stored as ''.
 */
export interface StringColumn {
  type: 'string';
  text: string;
  /** n + 1 entries. */
  offsets: Int32Array;
  nulls: NullMask;
  /** Whether some row itself contains '\n' (then anchored patterns scan row by row). */
  hasNewline: boolean;
}

export interface ColumnBatch {
  length: number;
  columns: Record<string, BatchColumn>;
}

export type CellValue = string | number | bigint | boolean | Date | null | undefined;

export class ColumnBatchError extends Error {
  readonly code = 'BAD_COLUMN_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'ColumnBatchError';
  }
}

export function columnBatchFromRows(schema: AssetSchema, rows: Record<string, CellValue>[]): ColumnBatch {
  const columns: Record<string, BatchColumn> = {};
  for (const { name, type } of schema.columns) columns[name] = buildColumn(type, rows.map((r) => r[name]), name);
  return { length: rows.length, columns };
}

export function buildColumn(type: ColumnType, values: CellValue[], name = '?'): BatchColumn {
  switch (type) {
    case 'string': return stringColumn(values, name);
    case 'integer': return integerColumn(values, name);
    case 'float': return { type, ...numbers(values, name, (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined)) };
    case 'boolean': return booleanColumn(values, name);
    case 'timestamp': return { type, ...numbers(values, name, timestampMicros) };
  }
}

function stringColumn(values: CellValue[], name: string): StringColumn {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let nulls: NullMask = null;
  let hasNewline = false;
  const parts: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls ??= new Uint8Array(n);
      nulls[i] = 1;
      parts[i] = '';
    } else if (typeof v === 'string') {
      parts[i] = v;
      if (!hasNewline && v.includes('\n')) hasNewline = true;
    } else {
      throw new ColumnBatchError(`Column "${name}" row ${i}: expected text, got ${typeof v}.`);
    }
    offsets[i] = at;
    at += parts[i].length + 1;
    if (at > 0x7fffffff) throw new ColumnBatchError(`Column "${name}" holds more than 2^31 characters; split the batch.`);
  }
  offsets[n] = at;
  return { type: 'string', text: parts.join('\n'), offsets, nulls, hasNewline };
}

/** One chunk of UTF-8 text as Arrow stores it: all rows' bytes back to back, row r at offsets[r]..offsets[r + 1]. */
export interface Utf8Chunk {
  length: number;
  bytes: Uint8Array;
  /** length + 1 byte offsets into `bytes`. */
  offsets: ArrayLike<number>;
  nulls: NullMask;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The same StringColumn as buildColumn('string', rows), straight from UTF-8 bytes and offsets (Arrow's layout):
 * the rows' bytes are copied once with '\n' between them and decoded by one TextDecoder call, instead of one JS
 * string per row that is then joined again. Row offsets are the byte offsets when the text is ASCII (the decoded
 * length tells), else counted in UTF-16 units over the bytes. Invalid UTF-8 throws a ColumnBatchError.
 */
export function stringColumnFromUtf8(chunks: Utf8Chunk[], name = '?'): StringColumn {
  let n = 0;
  let size = 0;
  for (const c of chunks) {
    n += c.length;
    size += c.offsets[c.length]! - c.offsets[0]! + c.length;
  }
  if (size > 0x7fffffff) throw new ColumnBatchError(`Column "${name}" holds more than 2^31 bytes; split the batch.`);
  const joined = new Uint8Array(size);
  const starts = new Int32Array(n + 1);
  let nulls: NullMask = null;
  let hasNewline = false;
  let at = 0;
  let row = 0;
  for (const c of chunks) {
    const first = c.offsets[0]!;
    const last = c.offsets[c.length]!;
    // The chunk's bytes go in as one block, then each row slides right by its row number (copyWithin, from the
    // last row back, so nothing is overwritten before it moves): no per-row subarray, no per-byte loop in JS.
    joined.set(c.bytes.subarray(first, last), at);
    if (!hasNewline) hasNewline = c.bytes.subarray(first, last).includes(10) && rowsHaveNewline(c);
    for (let r = c.length - 1; r >= 0; r--) {
      const from = at + c.offsets[r]! - first;
      const to = from + r;
      if (to !== from) joined.copyWithin(to, from, from + c.offsets[r + 1]! - c.offsets[r]!);
    }
    for (let r = 0; r < c.length; r++, row++) {
      if (c.nulls?.[r]) {
        nulls ??= new Uint8Array(n);
        nulls[row] = 1;
      }
      starts[row] = at + c.offsets[r]! - first + r;
      joined[at + c.offsets[r + 1]! - first + r] = 10;
    }
    at += last - first + c.length;
  }
  starts[n] = at;
  const column = nulls ? withoutNullBytes(joined, starts, nulls, n) : { joined, size: at };
  return { ...decodeJoined(column.joined, starts, n, column.size, name), nulls, hasNewline };
}

/** Whether a row (not a null one) of the chunk contains '\n'. */
function rowsHaveNewline(c: Utf8Chunk): boolean {
  for (let r = 0; r < c.length; r++) {
    if (c.nulls?.[r]) continue;
    for (let b = c.offsets[r]!; b < c.offsets[r + 1]!; b++) if (c.bytes[b] === 10) return true;
  }
  return false;
}

/** Null rows must be '' in the joined text: compacts their bytes (if any) away, in place. */
function withoutNullBytes(joined: Uint8Array, starts: Int32Array, nulls: Uint8Array, n: number): { joined: Uint8Array; size: number } {
  let at = 0;
  for (let r = 0; r < n; r++) {
    const from = starts[r]!;
    const len = nulls[r] ? 0 : starts[r + 1]! - 1 - from;
    joined.copyWithin(at, from, from + len);
    starts[r] = at;
    at += len;
    joined[at++] = 10;
  }
  starts[n] = at;
  return { joined, size: at };
}

function decodeJoined(joined: Uint8Array, starts: Int32Array, n: number, size: number, name: string): { type: 'string'; text: string; offsets: Int32Array } {
  let text: string;
  try {
    text = utf8.decode(joined.subarray(0, Math.max(0, size - 1)));
  } catch {
    throw new ColumnBatchError(`Column "${name}" is not valid UTF-8 text.`);
  }
  // Every character outside ASCII takes more UTF-8 bytes than UTF-16 units, so equal lengths mean all ASCII.
  const offsets = text.length === Math.max(0, size - 1) ? starts : utf16Offsets(joined, starts, n);
  return { type: 'string', text, offsets };
}

/** Byte offsets → UTF-16 offsets: every byte but continuation bytes starts a character; 4-byte ones take two units. */
function utf16Offsets(bytes: Uint8Array, byteStarts: Int32Array, n: number): Int32Array {
  const out = new Int32Array(n + 1);
  let units = 0;
  for (let r = 0; r < n; r++) {
    out[r] = units;
    const end = byteStarts[r + 1]!;
    for (let b = byteStarts[r]!; b < end; b++) {
      const x = bytes[b]!;
      units += ((x & 0xc0) !== 0x80 ? 1 : 0) + (x >= 0xf0 ? 1 : 0);
    }
  }
  out[n] = units;
  return out;
}

/** Row i of a text column, or null. */
export function rowText(column: StringColumn, i: number): string | null {
  return column.nulls?.[i] ? null : column.text.slice(column.offsets[i], column.offsets[i + 1]! - 1);
}

/** Row i's value: text, a number (timestamps as microseconds), a bigint (integers past 2^53), a boolean, or null. */
export function cellValue(column: BatchColumn, i: number): string | number | bigint | boolean | null {
  if (column.nulls?.[i]) return null;
  switch (column.type) {
    case 'string': return rowText(column, i);
    case 'boolean': return column.values[i] === 1;
    default: return column.values[i]!;
  }
}

/** Every row's cellValue, for consumers that need plain values (DuckDB tables, the custom-LF sandbox). */
export function columnValues(column: BatchColumn): (string | number | bigint | boolean | null)[] {
  if (column.type === 'string') return textRows(column);
  const n = column.values.length;
  const out = new Array<string | number | bigint | boolean | null>(n);
  for (let i = 0; i < n; i++) out[i] = cellValue(column, i);
  return out;
}

/** Every row of a text column as its own string (for consumers that need plain values). */
export function textRows(column: StringColumn): (string | null)[] {
  const n = column.offsets.length - 1;
  const out = new Array<string | null>(n);
  for (let i = 0; i < n; i++) out[i] = rowText(column, i);
  return out;
}

function integerColumn(values: CellValue[], name: string): BatchColumn {
  const n = values.length;
  const allSafe = values.every((v) => v === null || v === undefined || (typeof v === 'bigint' ? v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n : Number.isSafeInteger(v)));
  if (allSafe) return { type: 'integer', ...numbers(values, name, (v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined)) };
  const out = new BigInt64Array(n);
  let nulls: NullMask = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls ??= new Uint8Array(n);
      nulls[i] = 1;
    } else if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
      out[i] = BigInt(v);
    } else {
      throw new ColumnBatchError(`Column "${name}" row ${i}: expected an integer, got ${String(v)}.`);
    }
  }
  return { type: 'integer', values: out, nulls };
}

function booleanColumn(values: CellValue[], name: string): BatchColumn {
  const n = values.length;
  const out = new Uint8Array(n);
  let nulls: NullMask = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls ??= new Uint8Array(n);
      nulls[i] = 1;
    } else if (typeof v === 'boolean') {
      out[i] = v ? 1 : 0;
    } else {
      throw new ColumnBatchError(`Column "${name}" row ${i}: expected a boolean, got ${typeof v}.`);
    }
  }
  return { type: 'boolean', values: out, nulls };
}

function numbers(values: CellValue[], name: string, toNumber: (v: CellValue) => number | undefined) {
  const n = values.length;
  const out = new Float64Array(n);
  let nulls: NullMask = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls ??= new Uint8Array(n);
      nulls[i] = 1;
      continue;
    }
    const x = toNumber(v);
    if (x === undefined) throw new ColumnBatchError(`Column "${name}" row ${i}: cannot read ${String(v)} as a number.`);
    out[i] = x;
  }
  return { values: out, nulls };
}

/** A Date (millisecond precision) or microseconds as a number/bigint. Dates are told by tag: they may come from another realm. */
function timestampMicros(v: CellValue): number | undefined {
  if (Object.prototype.toString.call(v) === '[object Date]') return (v as Date).getTime() * 1000;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return undefined;
}
