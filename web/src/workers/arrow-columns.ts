// Arrow tables (from parquet-wasm, one per Parquet part) as the ColumnBatch columns LFs scan, with their LF column
// types read from the Arrow schema. Text goes from Arrow's UTF-8 bytes and offsets into the joined text column in
// one copy and one decode: no JS string per row is ever made (rows are cut out only when shown).
import { DataType, Precision, type Data, type Table, type Vector } from 'apache-arrow';
import { buildColumn, ColumnBatchError, stringColumnFromUtf8, type BatchColumn, type NullMask, type Utf8Chunk } from '../../../shared/lf/column-batch.ts';
import type { ColumnType } from '../../../shared/lf/types.ts';

export interface ArrowColumns { n: number; columns: Record<string, BatchColumn> }

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
function vectorValues(vector: Vector, type: ColumnType): unknown[] {
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

/** Arrow's validity bitmap (1 = present) as a byte mask (1 = null); null when the chunk has no nulls. */
function nullMask(data: Data): NullMask {
  if (!data.nullCount || !data.nullBitmap) return null;
  const mask = new Uint8Array(data.length);
  const bits = data.nullBitmap;
  for (let r = 0; r < data.length; r++) {
    const bit = data.offset + r;
    mask[r] = ((bits[bit >> 3]! >> (bit & 7)) & 1) ^ 1;
  }
  return mask;
}

function utf8Chunks(vectors: Vector[]): Utf8Chunk[] {
  return vectors.flatMap((v) => v.data).map((d) => ({
    length: d.length, bytes: d.values as Uint8Array, offsets: (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + d.length + 1), nulls: nullMask(d),
  }));
}

/** Microseconds per unit of an Arrow timestamp or date; undefined for other types. */
function microsPerUnit(type: DataType): number | undefined {
  if (DataType.isTimestamp(type)) return [1e6, 1e3, 1, 1e-3][type.unit];
  if (DataType.isDate(type)) return type.unit === 0 ? 86_400e6 : 1e3;
  return undefined;
}

/**
 * Numbers, booleans and timestamps copied from Arrow's buffers straight into the batch's typed arrays (64-bit
 * integers read as two 32-bit halves, no BigInt per row). Undefined when a value needs the general path: a 64-bit
 * integer past 2^53, unsigned 64-bit, decimals, half floats.
 */
function typedColumn(vectors: Vector[], type: ColumnType): BatchColumn | undefined {
  const arrowType = vectors[0]!.type;
  const datas = vectors.flatMap((v) => v.data);
  const n = datas.reduce((sum, d) => sum + d.length, 0);
  let nulls: NullMask = null;
  let at = 0;
  const placeNulls = (d: Data) => {
    const mask = nullMask(d);
    if (!mask) return;
    nulls ??= new Uint8Array(n);
    nulls.set(mask, at);
  };
  if (type === 'boolean' && DataType.isBool(arrowType)) {
    const out = new Uint8Array(n);
    for (const d of datas) {
      const bits = d.values as Uint8Array;
      for (let r = 0; r < d.length; r++) {
        const bit = d.offset + r;
        out[at + r] = (bits[bit >> 3]! >> (bit & 7)) & 1;
      }
      placeNulls(d);
      at += d.length;
    }
    return { type, values: out, nulls: zeroNullRows(out, nulls) };
  }
  const scale = microsPerUnit(arrowType);
  const numeric = DataType.isInt(arrowType) || (DataType.isFloat(arrowType) && arrowType.precision !== Precision.HALF) || scale !== undefined;
  if ((type !== 'integer' && type !== 'float' && type !== 'timestamp') || !numeric) return undefined;
  const out = new Float64Array(n);
  for (const d of datas) {
    const values = d.values as ArrayLike<number> & {
      BYTES_PER_ELEMENT: number; buffer: ArrayBufferLike; byteOffset: number; subarray(begin: number, end: number): ArrayLike<number>;
    };
    if (values.BYTES_PER_ELEMENT === 8 && !(values instanceof Float64Array)) {
      if (DataType.isInt(arrowType) && !arrowType.isSigned) return undefined;
      const halves = new Int32Array(values.buffer, values.byteOffset + d.offset * 8, d.length * 2);
      for (let r = 0; r < d.length; r++) {
        const hi = halves[2 * r + 1]!;
        if (hi <= -2097152 || hi >= 2097152) return undefined;
        out[at + r] = hi * 4294967296 + (halves[2 * r]! >>> 0);
      }
    } else {
      out.set(values.subarray(d.offset, d.offset + d.length), at);
    }
    placeNulls(d);
    at += d.length;
  }
  if (scale !== undefined && scale !== 1) for (let i = 0; i < n; i++) out[i] = Math.floor(out[i]! * scale);
  const column = { values: out, nulls: zeroNullRows(out, nulls) };
  return { type, ...column } as BatchColumn;
}

/** Null rows hold 0, as buildColumn leaves them. */
function zeroNullRows<T extends Float64Array | Uint8Array>(values: T, nulls: NullMask): NullMask {
  if (nulls) for (let i = 0; i < values.length; i++) if (nulls[i]) values[i] = 0;
  return nulls;
}

function arrowColumn(vectors: Vector[], name: string): BatchColumn {
  const type = lfColumnType(vectors[0]!.type);
  const typed = typedColumn(vectors, type);
  if (typed) return typed;
  if (vectors.every((v) => DataType.isUtf8(v.type))) {
    try {
      return stringColumnFromUtf8(utf8Chunks(vectors), name);
    } catch (e) {
      // Invalid UTF-8: Arrow's own decoder replaces the bad bytes, row by row.
      if (!(e instanceof ColumnBatchError)) throw e;
    }
  }
  const values = vectors.length === 1 ? vectorValues(vectors[0]!, type) : vectors.flatMap((v) => vectorValues(v, type));
  return buildColumn(type, values as never[], name);
}

/** The columns of one asset split over several tables (its Parquet parts), each as one batch column. */
export function columnsFromArrow(tables: Table[]): ArrowColumns {
  const columns: Record<string, BatchColumn> = {};
  const first = tables[0];
  if (!first) return { n: 0, columns };
  for (const field of first.schema.fields) {
    columns[field.name] = arrowColumn(tables.map((t) => t.getChild(field.name)!), field.name);
  }
  return { n: tables.reduce((sum, t) => sum + t.numRows, 0), columns };
}
