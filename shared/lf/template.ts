// Template LFs: `field op value → label`. The value is typed by the field's column type; both engines get
// the same normalised value, so they compare the same things.
import type { TemplateOperator } from '../schema/labeling-function.ts';
import type { BatchColumn, ColumnBatch, NullMask, StringColumn } from './column-batch.ts';
import { withoutNulls, zeroedMask, type CompiledCondition } from './condition.ts';
import { compareCodePoints, textMatchMask } from './text.ts';
import {
  booleanLiteral, doubleLiteral, integerLiteral, parseTimestampMicros, quoteIdent, stringLiteral, timestampLiteral,
} from './sql-literals.ts';
import { LfCompileError, type AssetColumn, type TemplateScalar, type TemplateValue } from './types.ts';

type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';
const SQL_OPERATOR: Record<Comparison, string> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=', '==': '=', '!=': '<>' };
const COMPARISONS = new Set<string>(['>', '>=', '<', '<=', '==', '!=']);

export function compileTemplateCondition(
  lf: string,
  column: AssetColumn,
  operator: TemplateOperator,
  value: TemplateValue | undefined,
): CompiledCondition {
  const col = quoteIdent(column.name);
  const fields = [column.name];
  const get = (batch: ColumnBatch) => batch.columns[column.name];
  if (operator === 'is_null' || operator === 'not_null') {
    if (value !== undefined && value !== null) throw new LfCompileError('BAD_VALUE', lf, `"${operator}" takes no value; remove it.`);
    const wantNull = operator === 'is_null' ? 1 : 0;
    return {
      sql: `(${col} IS ${wantNull ? '' : 'NOT '}NULL)`,
      fields,
      mask: (batch, reuse) => {
        const { nulls } = get(batch);
        const out = zeroedMask(batch.length, reuse);
        for (let i = 0; i < out.length; i++) out[i] = +((nulls ? nulls[i] : 0) === wantNull);
        return out;
      },
    };
  }
  if (operator === 'in' || operator === 'not_in') return compileMembership(lf, column, col, operator, value);
  if (operator === 'contains' || operator === 'startswith' || operator === 'endswith') {
    if (column.type !== 'string') throw typeMismatch(lf, column, operator);
    if (typeof value !== 'string') throw new LfCompileError('TYPE_MISMATCH', lf, `"${operator}" on "${column.name}" needs a text value.`);
    const fn = { contains: 'contains', startswith: 'starts_with', endswith: 'ends_with' }[operator];
    return {
      sql: `${fn}(${col}, ${stringLiteral(value)})`,
      fields,
      mask: (batch, reuse) => withoutNulls(textMatchMask(get(batch) as StringColumn, operator, value, zeroedMask(batch.length, reuse)), get(batch).nulls),
    };
  }
  if (!COMPARISONS.has(operator)) throw new LfCompileError('BAD_VALUE', lf, `unknown operator "${operator}".`);
  return compileComparison(lf, column, col, operator as Comparison, value);
}

function compileComparison(lf: string, column: AssetColumn, col: string, op: Comparison, value: TemplateValue | undefined): CompiledCondition {
  const fields = [column.name];
  const get = (batch: ColumnBatch) => batch.columns[column.name];
  const scalar = typedScalar(lf, column, value, op);
  switch (scalar.kind) {
    case 'never':
      return { sql: 'FALSE', fields, mask: (batch, reuse) => zeroedMask(batch.length, reuse) };
    case 'not_null':
      return compileTemplateCondition(lf, column, 'not_null', null);
    case 'string': {
      const v = scalar.value;
      return {
        sql: `(${col} ${SQL_OPERATOR[op]} ${stringLiteral(v)})`,
        fields,
        mask: (batch, reuse) => withoutNulls(stringCompareMask(get(batch) as StringColumn, op, v, zeroedMask(batch.length, reuse)), get(batch).nulls),
      };
    }
    case 'boolean': {
      if (op !== '==' && op !== '!=') throw typeMismatch(lf, column, op);
      const want = (scalar.value ? 1 : 0) ^ (op === '!=' ? 1 : 0);
      return {
        sql: `(${col} ${SQL_OPERATOR[op]} ${booleanLiteral(scalar.value)})`,
        fields,
        mask: (batch, reuse) => {
          const c = get(batch) as { values: Uint8Array; nulls: NullMask };
          const out = zeroedMask(batch.length, reuse);
          for (let i = 0; i < out.length; i++) out[i] = +(c.values[i] === want);
          return withoutNulls(out, c.nulls);
        },
      };
    }
    case 'number': {
      const literal = column.type === 'integer' ? integerLiteral(scalar.value as bigint)
        : column.type === 'timestamp' ? timestampLiteral(scalar.value as number)
        : doubleLiteral(scalar.value as number);
      const t = scalar.value;
      return {
        sql: `(${col} ${SQL_OPERATOR[op]} ${literal})`,
        fields,
        mask: (batch, reuse) => {
          const c = get(batch) as { values: Float64Array | BigInt64Array; nulls: NullMask };
          return withoutNulls(numericCompareMask(c.values, op, t, zeroedMask(batch.length, reuse)), c.nulls);
        },
      };
    }
  }
}

type TypedScalar =
  | { kind: 'number'; value: number | bigint }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'never' }
  | { kind: 'not_null' };

/**
 * The template value as the column's type. For integer columns a fractional threshold is moved to the integer
 * that gives the same answer (x > 2.5 ⇔ x > 2), so both engines compare integers exactly.
 */
function typedScalar(lf: string, column: AssetColumn, value: TemplateValue | undefined, op: Comparison, shownOp: string = op): TypedScalar {
  const bad = (want: string) =>
    new LfCompileError('TYPE_MISMATCH', lf, `"${column.name}" is ${column.type}; "${shownOp}" needs ${want}, got ${JSON.stringify(value)}.`);
  switch (column.type) {
    case 'string':
      if (typeof value !== 'string') throw bad('a text value');
      return { kind: 'string', value };
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return { kind: 'boolean', value };
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a finite number');
      return { kind: 'number', value };
    case 'timestamp': {
      const micros = typeof value === 'string' ? parseTimestampMicros(value) : undefined;
      if (micros === undefined) throw bad("a timestamp like '2024-01-31 12:00:00'");
      return { kind: 'number', value: micros };
    }
    case 'integer': {
      const exact = integerValue(value);
      if (exact !== undefined) return { kind: 'number', value: exact };
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
      if (op === '==') return { kind: 'never' };
      if (op === '!=') return { kind: 'not_null' };
      const rounded = op === '>' || op === '<=' ? Math.floor(value) : Math.ceil(value);
      return { kind: 'number', value: BigInt(rounded) };
    }
  }
}

/** An exact integer from a safe-integer number or a decimal-digit string (for values past 2^53). */
function integerValue(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,40}$/.test(value)) return BigInt(value);
  return undefined;
}

function compileMembership(
  lf: string, column: AssetColumn, col: string, operator: 'in' | 'not_in', value: TemplateValue | undefined,
): CompiledCondition {
  if (!Array.isArray(value)) {
    throw new LfCompileError('TYPE_MISMATCH', lf, `"${operator}" needs a list of values, got ${JSON.stringify(value)}.`);
  }
  const negate = operator === 'not_in';
  const fields = [column.name];
  const get = (batch: ColumnBatch) => batch.columns[column.name];
  const typed = value.map((v: TemplateScalar) => typedScalar(lf, column, v, '==', `${operator} (list item)`));
  // A fractional number can never equal an integer column's value: it drops out of the list.
  const members = typed.flatMap((s) => (s.kind === 'never' ? [] : [s as Extract<TypedScalar, { value: unknown }>]));
  const literals = members.map((s) =>
    s.kind === 'string' ? stringLiteral(s.value)
      : s.kind === 'boolean' ? booleanLiteral(s.value)
      : column.type === 'integer' ? integerLiteral(s.value as bigint)
      : column.type === 'timestamp' ? timestampLiteral(s.value as number)
      : doubleLiteral(s.value as number));
  const sql = literals.length === 0
    ? (negate ? `(${col} IS NOT NULL)` : 'FALSE')
    : `(${col} ${negate ? 'NOT IN' : 'IN'} (${literals.join(', ')}))`;
  return {
    sql,
    fields,
    mask: (batch, reuse) => {
      const c = get(batch);
      const out = memberMask(c, members.map((s) => s.value), zeroedMask(batch.length, reuse));
      if (negate) for (let i = 0; i < out.length; i++) out[i] ^= 1;
      return withoutNulls(out, c.nulls);
    },
  };
}

function memberMask(c: BatchColumn, members: (string | number | bigint | boolean)[], out: Uint8Array): Uint8Array {
  const n = out.length;
  if (c.type === 'string') {
    const set = new Set(members as string[]);
    for (let i = 0; i < n; i++) out[i] = +set.has(c.text.slice(c.offsets[i], c.offsets[i + 1] - 1));
  } else if (c.type === 'boolean') {
    const set = new Set<number>((members as boolean[]).map((b) => (b ? 1 : 0)));
    for (let i = 0; i < n; i++) out[i] = +set.has(c.values[i]);
  } else if (isBigIntArray(c.values)) {
    const set = new Set((members as (number | bigint)[]).map((v) => BigInt(v)));
    for (let i = 0; i < n; i++) out[i] = +set.has(c.values[i]);
  } else {
    // Set membership is SameValueZero: -0 finds 0 and NaN finds nothing, as DuckDB's IN.
    const set = new Set((members as (number | bigint)[]).map((v) => Number(v)));
    const values = c.values;
    for (let i = 0; i < n; i++) out[i] = +set.has(values[i]);
  }
  return out;
}

/**
 * Mask loops write +(test) rather than `test ? 1 : 0`: V8 emits a branch for the ternary, which mispredicts
 * on real data (about half the rows fire), and the branch-free form is 3–6× faster.
 *
 * DuckDB orders NaN above every number and equal to itself; JavaScript compares NaN false to everything.
 * So NaN rows fire for > and >= here, as they do in DuckDB (a template value is never NaN).
 */
function numericCompareMask(values: Float64Array | BigInt64Array, op: Comparison, t: number | bigint, out: Uint8Array): Uint8Array {
  const n = out.length;
  if (isBigIntArray(values)) {
    const b = BigInt(t);
    for (let i = 0; i < n; i++) out[i] = +compareBig(values[i], b, op);
    return out;
  }
  const x = Number(t);
  switch (op) {
    // !(v <= x) is v > x for numbers and true for NaN: DuckDB's order in one comparison.
    case '>': for (let i = 0; i < n; i++) out[i] = +!(values[i] <= x); break;
    case '>=': for (let i = 0; i < n; i++) out[i] = +!(values[i] < x); break;
    case '<': for (let i = 0; i < n; i++) out[i] = +(values[i] < x); break;
    case '<=': for (let i = 0; i < n; i++) out[i] = +(values[i] <= x); break;
    case '==': for (let i = 0; i < n; i++) out[i] = +(values[i] === x); break;
    case '!=': for (let i = 0; i < n; i++) out[i] = +(values[i] !== x); break;
  }
  return out;
}

function compareBig(v: bigint, t: bigint, op: Comparison): boolean {
  switch (op) {
    case '>': return v > t;
    case '>=': return v >= t;
    case '<': return v < t;
    case '<=': return v <= t;
    case '==': return v === t;
    case '!=': return v !== t;
  }
}

function stringCompareMask(c: StringColumn, op: Comparison, v: string, out: Uint8Array): Uint8Array {
  const n = out.length;
  const { text, offsets } = c;
  if (op === '==' || op === '!=') {
    const want = op === '==' ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const start = offsets[i];
      const equal = offsets[i + 1] - 1 - start === v.length && text.startsWith(v, start);
      out[i] = +equal ^ want ^ 1;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const cmp = compareCodePoints(text.slice(offsets[i], offsets[i + 1] - 1), v);
    out[i] = +(op === '>' ? cmp > 0 : op === '>=' ? cmp >= 0 : op === '<' ? cmp < 0 : cmp <= 0);
  }
  return out;
}

/** By tag, not instanceof: a batch may come from another realm (a worker). */
function isBigIntArray(values: Float64Array | BigInt64Array): values is BigInt64Array {
  return values[Symbol.toStringTag] === 'BigInt64Array';
}


function typeMismatch(lf: string, column: AssetColumn, op: string): LfCompileError {
  return new LfCompileError('TYPE_MISMATCH', lf, `"${op}" does not apply to "${column.name}", a ${column.type} column.`);
}
