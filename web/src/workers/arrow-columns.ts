// Arrow columns (from parquet-wasm) as the plain value arrays the sample table is built from, with their LF
// column types read from the Arrow schema. Text is decoded in one pass per column, not one call per row.
import { DataType, type Table, type Vector } from 'apache-arrow';
import type { ColumnType } from '../../../shared/lf/types.ts';

export interface ArrowColumns { n: number; columns: Record<string, unknown[]>; types: Record<string, ColumnType> }

export function lfColumnType(type: DataType): ColumnType {
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isDictionary(type)) return 'string';
  if (DataType.isInt(type)) return 'integer';
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return 'float';
  if (DataType.isBool(type)) return 'boolean';
  if (DataType.isTimestamp(type) || DataType.isDate(type)) return 'timestamp';
  return 'string';
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One column's values: strings, numbers (bigint only beyond 2^53), booleans, timestamps as microseconds; null where missing. */
function columnValues(vector: Vector, type: ColumnType): unknown[] {
  if (DataType.isUtf8(vector.type) && vector.nullCount === 0) {
    const text = asciiText(vector);
    if (text) return text;
  }
  // Without nulls, numbers come out of Arrow's typed buffers in one copy; Arrow's row iterator is much slower.
  const raw: ArrayLike<unknown> = vector.nullCount === 0 && type !== 'string' ? vector.toArray() as ArrayLike<unknown> : Array.from(vector as Iterable<unknown>);
  const values = new Array<unknown>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === null || v === undefined) values[i] = null;
    else if (type === 'timestamp') values[i] = timestampMicros(v, vector.type);
    else if (typeof v === 'bigint' && (type === 'float' || (v <= MAX_SAFE && v >= -MAX_SAFE))) values[i] = Number(v);
    else if (type === 'boolean') values[i] = Boolean(v);
    else values[i] = v;
  }
  return values;
}

/** Microseconds since the epoch: Arrow JS reads timestamps as milliseconds (a number) whatever their unit. */
function timestampMicros(v: unknown, type: DataType): number {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime() * 1000;
  return DataType.isTimestamp(type) || DataType.isDate(type) ? Number(v) * 1000 : Number(v);
}

/**
 * An all-ASCII text column decoded with one TextDecoder call per record batch and cut at its byte offsets (equal
 * to character offsets when every byte is ASCII); undefined when it has other characters (then Arrow decodes rows).
 */
function asciiText(vector: Vector): string[] | undefined {
  const out = new Array<string>(vector.length);
  const decoder = new TextDecoder();
  let row = 0;
  for (const data of vector.data) {
    const bytes = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    const start = offsets[0]!;
    const end = offsets[data.length]!;
    for (let i = start; i < end; i++) if (bytes[i]! > 0x7f) return undefined;
    const text = decoder.decode(bytes.subarray(start, end));
    for (let r = 0; r < data.length; r++) out[row++] = text.slice(offsets[r]! - start, offsets[r + 1]! - start);
  }
  return out;
}

export function columnsFromArrow(table: Table): ArrowColumns {
  const columns: Record<string, unknown[]> = {};
  const types: Record<string, ColumnType> = {};
  for (const field of table.schema.fields) {
    const type = lfColumnType(field.type);
    types[field.name] = type;
    columns[field.name] = columnValues(table.getChild(field.name)!, type);
  }
  return { n: table.numRows, columns, types };
}
