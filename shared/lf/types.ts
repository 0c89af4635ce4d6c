// What compiling an LF gives each engine. What an LF is (LfDefinition) is defined once, by the zod schemas in
// shared/schema/labeling-function.ts.
import type { LfDefinition } from '../schema/labeling-function.ts';
import type { ColumnBatch } from './column-batch.ts';

/** The vote an LF casts when it does not fire. */
export const ABSTAIN = -1;

export type { AssetColumn, AssetSchema, ColumnType } from './columns.ts';
export type { LfDefinition, TemplateScalar, TemplateValue } from '../schema/labeling-function.ts';

/** One LF's votes over a batch: class index or -1 per row. Int16Array when k > 127, as the label matrix. */
export type VoteColumn = Int8Array | Int16Array;

export interface CompiledLf {
  name: string;
  type: LfDefinition['type'];
  label: number;
  /** Columns the LF reads: the ones a worker must decode and keep as typed arrays. */
  fields: string[];
  /**
   * A DuckDB SQL expression over the asset's columns returning the class index or -1, or null when the LF
   * runs only in JavaScript: regex LFs (their dialect is ECMAScript, which DuckDB's RE2 does not share) and
   * custom LFs (they run in a sandbox).
   */
  duckdbSql: string | null;
  /**
   * Votes over a column batch, or null for custom LFs (the sandbox runs those) and model LFs (an ONNX runtime runs
   * those, asynchronously: shared/onnx evaluateModelLf). `into`: the LF's previous
   * vote column, overwritten in place when it has the batch's length (the studio's per-LF column cache).
   */
  evaluate: ((batch: ColumnBatch, into?: VoteColumn) => VoteColumn) | null;
}

export type LfCompileErrorCode =
  | 'UNKNOWN_FIELD'
  | 'TYPE_MISMATCH'
  | 'LABEL_OUT_OF_RANGE'
  | 'BAD_VALUE'
  | 'BAD_PATTERN'
  | 'UNSAFE_PATTERN'
  | 'SQL_PARSE_ERROR'
  | 'SQL_NOT_ALLOWED';

export class LfCompileError extends Error {
  readonly code: LfCompileErrorCode;
  readonly lf: string;
  constructor(code: LfCompileErrorCode, lf: string, problem: string) {
    super(`LF "${lf}": ${problem}`);
    this.name = 'LfCompileError';
    this.code = code;
    this.lf = lf;
  }
}
