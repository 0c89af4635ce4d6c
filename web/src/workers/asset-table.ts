// Turning decoded asset columns into the notebook's sample table: rules joined to the index on its key, as the
// typed ColumnBatch columns shared/lf's engines scan (the same layout as the server's). The batch is the only copy
// of the data: rows are read back from it when shown.
import { buildColumn, cellValue, type BatchColumn, type CellValue } from '../../../shared/lf/column-batch.ts';
import type { AssetColumn, ColumnType } from '../../../shared/lf/types.ts';
import type { SampleTable } from '../analysis/lf-session.ts';

export interface DecodedAsset {
  name: string;
  keyColumn: string;
  n: number;
  columns: Record<string, BatchColumn>;
}

/** The LF column type of decoded values: the first non-null value decides (Parquet columns hold one type). */
export function inferColumnType(values: ArrayLike<unknown>): ColumnType {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (typeof v === 'bigint') return 'integer';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
    if (typeof v === 'boolean') return 'boolean';
    if (v instanceof Date) return 'timestamp';
    return 'string';
  }
  return 'string';
}

/** Numbers column: 'integer' only if every value is integral (a double column whose first values are whole stays float). */
function columnType(values: ArrayLike<unknown>): ColumnType {
  const first = inferColumnType(values);
  if (first !== 'integer') return first;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && !Number.isInteger(v)) return 'float';
  }
  return 'integer';
}

/** An asset from plain row values, column types inferred (assets from files carry their schema's types instead). */
export function assetFromValues(name: string, keyColumn: string, values: Record<string, ArrayLike<unknown>>): DecodedAsset {
  const columns: Record<string, BatchColumn> = {};
  let n = 0;
  for (const [column, vs] of Object.entries(values)) {
    columns[column] = buildColumn(columnType(vs), Array.from(vs) as CellValue[], column);
    n = vs.length;
  }
  return { name, keyColumn, n, columns };
}

/**
 * The index's rows, with each rule's columns placed on the index row of the same key (null where a rule has no row
 * for a key). A rule column whose name the index already uses is named `rule.column`.
 */
export function joinOnKey(index: DecodedAsset, rules: DecodedAsset[]): { n: number; columns: Record<string, BatchColumn> } {
  const n = index.n;
  const columns: Record<string, BatchColumn> = { ...index.columns };
  const keys = index.columns[index.keyColumn];
  if (!keys) throw new Error(`The index "${index.name}" has no key column "${index.keyColumn}".`);
  let lookup: KeyLookup | undefined;
  for (const rule of rules) {
    const ruleKeys = rule.columns[rule.keyColumn];
    if (!ruleKeys) throw new Error(`The rule "${rule.name}" has no key column "${rule.keyColumn}".`);
    const joinedName = (name: string) => (name in columns ? `${rule.name}.${name}` : name);
    // Rules are usually queried from the same table as their index, so their rows come in the index's order:
    // then the columns are taken as they are, with no lookup per row.
    if (sameKeys(keys, ruleKeys, n, rule.n)) {
      for (const [name, column] of Object.entries(rule.columns)) if (name !== rule.keyColumn) columns[joinedName(name)] = column;
      continue;
    }
    lookup ??= rowLookup(keys, n);
    const target = new Int32Array(rule.n);
    if (lookup.rowsOf && ruleKeys.type === 'integer' && ruleKeys.values instanceof Float64Array && !ruleKeys.nulls) lookup.rowsOf(ruleKeys.values, target);
    else for (let r = 0; r < rule.n; r++) target[r] = lookup.rowOf(cellValue(ruleKeys, r));
    for (const [name, column] of Object.entries(rule.columns)) {
      if (name === rule.keyColumn) continue;
      const joined = joinedName(name);
      columns[joined] = gatherColumn(column, target, n, joined);
    }
  }
  return { n, columns };
}

/** The index row of a key (-1 if none); rowsOf, when there is one, looks up a whole column of number keys at once. */
interface KeyLookup {
  rowOf(key: CellValue): number;
  rowsOf?(keys: Float64Array, rows: Int32Array): void;
}

/**
 * Whole-number keys in a range not much wider than the row count (ids from a sequence, the common case) are looked
 * up in a typed table; other keys in a Map.
 */
function rowLookup(keys: BatchColumn, n: number): KeyLookup {
  if (keys.type === 'integer' && keys.values instanceof Float64Array && !keys.nulls && n > 0) {
    const values = keys.values;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      if (values[i]! < min) min = values[i]!;
      if (values[i]! > max) max = values[i]!;
    }
    if (max - min < 4 * n + 1024) {
      const table = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < n; i++) table[values[i]! - min] = i;
      return {
        rowOf(key) {
          const k = typeof key === 'bigint' ? Number(key) : key;
          return typeof k === 'number' && k >= min && k <= max ? table[k - min]! : -1;
        },
        rowsOf(ks, rows) {
          for (let r = 0; r < ks.length; r++) {
            const k = ks[r]!;
            rows[r] = k >= min && k <= max ? table[k - min]! : -1;
          }
        },
      };
    }
  }
  const map = new Map<unknown, number>();
  for (let i = 0; i < n; i++) map.set(joinKey(cellValue(keys, i)), i);
  return { rowOf: (key) => map.get(joinKey(key)) ?? -1 };
}

/** A rule column placed on the index rows: row target[r] takes rule row r; rows no rule row reaches are null. */
function gatherColumn(column: BatchColumn, target: Int32Array, n: number, name: string): BatchColumn {
  if (column.type === 'string') {
    const joined: CellValue[] = new Array(n).fill(null);
    for (let r = 0; r < target.length; r++) if (target[r]! >= 0) joined[target[r]!] = cellValue(column, r);
    return buildColumn('string', joined, name);
  }
  const source = column.values;
  const values = new (source.constructor as new (n: number) => typeof source)(n);
  // Rows no rule row reaches are null: counted first, so a rule that covers every row, the common case, needs no mask.
  const reached = new Uint8Array(n);
  let covered = 0;
  for (let r = 0; r < target.length; r++) {
    const to = target[r]!;
    if (to < 0) continue;
    values[to] = source[r]!;
    if (!reached[to]) covered++;
    reached[to] = 1;
  }
  if (covered === n && !column.nulls) return { ...column, values, nulls: null } as BatchColumn;
  const nulls = reached.map((x) => 1 - x);
  if (column.nulls) for (let r = 0; r < target.length; r++) if (target[r]! >= 0) nulls[target[r]!] = column.nulls[r]!;
  return { ...column, values, nulls: nulls.includes(1) ? nulls : null } as BatchColumn;
}

function sameKeys(a: BatchColumn, b: BatchColumn, na: number, nb: number): boolean {
  if (na !== nb) return false;
  if (a.type === 'string' && b.type === 'string') return a.text === b.text && sameArray(a.offsets, b.offsets) && sameNulls(a.nulls, b.nulls);
  if (a.type !== 'string' && b.type !== 'string' && a.values.constructor === b.values.constructor) {
    return sameArray<unknown>(a.values, b.values) && sameNulls(a.nulls, b.nulls);
  }
  for (let i = 0; i < na; i++) if (joinKey(cellValue(a, i)) !== joinKey(cellValue(b, i))) return false;
  return true;
}

function sameArray<T>(a: ArrayLike<T>, b: ArrayLike<T>): boolean {
  if (a.length !== b.length) return false;
  if (a instanceof Float64Array && b instanceof Float64Array) return sameNumbers(a, b);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number keys compared in a loop of their own: one element type, so a million keys take a few ms. */
function sameNumbers(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const sameNulls = (a: Uint8Array | null, b: Uint8Array | null) => (a === null || b === null ? a === b : sameArray(a, b));

/** Map keys: a safe-integer bigint as a number, which hashes much faster than a bigint. */
const joinKey = (k: unknown) => (typeof k === 'bigint' && k >= -9007199254740991n && k <= 9007199254740991n ? Number(k) : k);

export function toSampleTable(keyColumn: string, n: number, columns: Record<string, BatchColumn>): SampleTable {
  const schemaColumns: AssetColumn[] = Object.entries(columns).map(([name, column]) => ({ name, type: column.type }));
  return { n, keyColumn, schema: { columns: schemaColumns }, batch: { length: n, columns } };
}
