// Turning decoded asset columns into the notebook's sample table: rules joined to the index on its key,
// column types inferred, typed LF columns built with shared/lf's builders (the same layout as the server's).
import { buildColumn, type BatchColumn } from '../../../shared/lf/column-batch.ts';
import type { AssetColumn, ColumnType } from '../../../shared/lf/types.ts';
import type { SampleTable } from '../analysis/lf-session.ts';

export interface DecodedAsset {
  name: string;
  keyColumn: string;
  n: number;
  columns: Record<string, ArrayLike<unknown>>;
  /** Column types from the file's schema; inferred from the values where absent. */
  types?: Record<string, ColumnType>;
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

/**
 * The index's rows, with each rule's columns placed on the index row of the same key (null where a rule has no row
 * for a key). A rule column whose name the index already uses is named `rule.column`.
 */
export function joinOnKey(index: DecodedAsset, rules: DecodedAsset[]): { n: number; columns: Record<string, ArrayLike<unknown>>; types: Record<string, ColumnType> } {
  const n = index.n;
  const columns: Record<string, ArrayLike<unknown>> = { ...index.columns };
  const types: Record<string, ColumnType> = { ...index.types };
  const keys = index.columns[index.keyColumn];
  if (!keys) throw new Error(`The index "${index.name}" has no key column "${index.keyColumn}".`);
  let rowOf: Map<unknown, number> | undefined;
  for (const rule of rules) {
    const ruleKeys = rule.columns[rule.keyColumn];
    if (!ruleKeys) throw new Error(`The rule "${rule.name}" has no key column "${rule.keyColumn}".`);
    const joinedName = (name: string) => {
      const joined = name in columns ? `${rule.name}.${name}` : name;
      const type = rule.types?.[name];
      if (type) types[joined] = type;
      return joined;
    };
    // Rules are usually queried from the same table as their index, so their rows come in the index's order:
    // then the columns are taken as they are, with no lookup per row.
    if (sameKeys(keys, ruleKeys)) {
      for (const [name, values] of Object.entries(rule.columns)) if (name !== rule.keyColumn) columns[joinedName(name)] = values;
      continue;
    }
    if (!rowOf) {
      rowOf = new Map();
      for (let i = 0; i < n; i++) rowOf.set(joinKey(keys[i]), i);
    }
    const target = new Int32Array(rule.n);
    for (let r = 0; r < rule.n; r++) target[r] = rowOf.get(joinKey(ruleKeys[r])) ?? -1;
    for (const [name, values] of Object.entries(rule.columns)) {
      if (name === rule.keyColumn) continue;
      const joined: unknown[] = new Array(n).fill(null);
      for (let r = 0; r < rule.n; r++) if (target[r]! >= 0) joined[target[r]!] = values[r];
      columns[joinedName(name)] = joined;
    }
  }
  return { n, columns, types };
}

function sameKeys(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Map keys: a safe-integer bigint as a number, which hashes much faster than a bigint. */
const joinKey = (k: unknown) => (typeof k === 'bigint' && k >= -9007199254740991n && k <= 9007199254740991n ? Number(k) : k);

export function toSampleTable(keyColumn: string, n: number, columns: Record<string, ArrayLike<unknown>>, types: Record<string, ColumnType> = {}): SampleTable {
  const schemaColumns: AssetColumn[] = [];
  const batchColumns: Record<string, BatchColumn> = {};
  for (const [name, values] of Object.entries(columns)) {
    const type = types[name] ?? columnType(values);
    schemaColumns.push({ name, type });
    batchColumns[name] = buildColumn(type, (Array.isArray(values) ? values : Array.from(values)) as never[], name);
  }
  return { n, keyColumn, schema: { columns: schemaColumns }, batch: { length: n, columns: batchColumns }, values: columns };
}
