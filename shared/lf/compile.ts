// compileLf: one LF definition → what each engine runs. The DuckDB SQL and the JS evaluator come from the
// same checked, typed form of the LF, and one behaviour suite (lf-engine-suite.ts) holds them to the same votes.
//
// What an LF means, in every engine:
// - A row votes `label` when the condition is TRUE; FALSE and NULL abstain (-1), as a SQL WHERE clause.
//   So `x != 3`, `x not_in [..]` and comparisons never fire on a NULL x; only is_null does.
// - Text compares by Unicode code point (DuckDB's byte order) and case-sensitively; contains/startswith/
//   endswith are case-sensitive too. Case-insensitive matching is the regex flag (ECMAScript /iu folding).
// - Floats follow DuckDB: NaN is above every number and equal to itself, -0 equals 0.
// - Integer columns compare exactly (BIGINT; values past 2^53 stay exact), fractional thresholds included.
// - Timestamps are microseconds of wall-clock time without a zone; values are given as 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]'.
// - Regex: ECMAScript with the u flag, run by the JS engine everywhere (see regex.ts); no DuckDB form.
// - SQL: a checked subset (see sql-expression.ts), rendered again for DuckDB, evaluated with three-valued logic.
// - Custom: TypeScript `(row: Row) => number`, run by a sandbox (see custom.ts).
// - Model: an uploaded ONNX classifier over numeric columns, run by onnxruntime (see shared/onnx/model-lf.ts); compiling
//   one checks its columns, the runtime checks the model.
import type { ColumnBatch } from './column-batch.ts';
import { compileRegexCondition } from './regex.ts';
import { compileSqlCondition } from './sql-expression.ts';
import type { CompiledCondition } from './condition.ts';
import { compileTemplateCondition } from './template.ts';
import { LfCompileError, type AssetSchema, type CompiledLf, type LfDefinition, type VoteColumn } from './types.ts';

export function compileLf(def: LfDefinition, schema: AssetSchema, k: number): CompiledLf {
  if (!Number.isInteger(def.label) || def.label < 0 || def.label >= k) {
    throw new LfCompileError('LABEL_OUT_OF_RANGE', def.name, `label ${def.label} is not a class of this concept (0..${k - 1}).`);
  }
  if (def.type === 'custom') {
    return { name: def.name, type: def.type, label: def.label, fields: schema.columns.map((c) => c.name), duckdbSql: null, evaluate: null };
  }
  if (def.type === 'model') {
    checkModelColumns(def.name, def.columns, schema);
    return { name: def.name, type: def.type, label: def.label, fields: [...new Set(def.columns)], duckdbSql: null, evaluate: null };
  }
  const condition = compileCondition(def, schema);
  const { label } = def;
  let scratch: Uint8Array | undefined;
  return {
    name: def.name,
    type: def.type,
    label,
    fields: condition.fields,
    duckdbSql: condition.sql === null ? null : `(CASE WHEN ${condition.sql} THEN ${label} ELSE -1 END)`,
    evaluate: (batch: ColumnBatch, into?: VoteColumn) => {
      scratch = condition.mask(batch, scratch);
      return votesFromMask(scratch, label, k, into);
    },
  };
}

const NUMERIC: readonly string[] = ['integer', 'float', 'boolean'];

/** A model's features are numbers: every mapped column must exist and be integer, float or boolean. */
function checkModelColumns(lf: string, columns: string[], schema: AssetSchema): void {
  for (const name of columns) {
    const column = schema.columns.find((c) => c.name === name);
    if (!column) {
      throw new LfCompileError('UNKNOWN_FIELD', lf, `unknown feature column "${name}"; the asset has ${schema.columns.map((c) => `"${c.name}"`).join(', ')}.`);
    }
    if (!NUMERIC.includes(column.type)) {
      throw new LfCompileError('TYPE_MISMATCH', lf, `feature column "${name}" is ${column.type}; a model LF reads integer, float or boolean columns.`);
    }
  }
}

function compileCondition(def: Exclude<LfDefinition, { type: 'custom' | 'model' }>, schema: AssetSchema): CompiledCondition {
  if (def.type === 'sql') return compileSqlCondition(def.name, def.expression, schema);
  const column = schema.columns.find((c) => c.name === def.field);
  if (!column) {
    throw new LfCompileError('UNKNOWN_FIELD', def.name, `unknown field "${def.field}"; the asset has ${schema.columns.map((c) => `"${c.name}"`).join(', ')}.`);
  }
  if (def.type === 'regex') return compileRegexCondition(def.name, column, def.pattern, def.case_insensitive ?? false);
  return compileTemplateCondition(def.name, column, def.operator, def.value);
}

/** Votes from a 0/1 mask, written into `into` when it fits (same length, Int16Array for k > 127). */
export function votesFromMask(mask: Uint8Array, label: number, k: number, into?: VoteColumn): VoteColumn {
  const wide = k > 127;
  const fits = into && into.length === mask.length && (into.BYTES_PER_ELEMENT === 2) === wide;
  const out = fits ? into : wide ? new Int16Array(mask.length) : new Int8Array(mask.length);
  // mask is 0/1: vote = -1 + mask·(label + 1), without a branch per row.
  const step = label + 1;
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] * step - 1;
  return out;
}
