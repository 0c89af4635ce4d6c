// The public face of shared/lf: what the web worker, the API and the server runs import.
export { compileLf, votesFromMask } from './compile.ts';
export { applyLfs, labelMatrixFromColumns, LfApplyError, type AppliedLfs } from './apply.ts';
export {
  ABSTAIN, LfCompileError,
  type AssetColumn, type AssetSchema, type ColumnType, type CompiledLf, type LfCompileErrorCode, type LfDefinition,
  type TemplateScalar, type TemplateValue, type VoteColumn,
} from './types.ts';
export {
  buildColumn, columnBatchFromRows, ColumnBatchError,
  type BatchColumn, type CellValue, type ColumnBatch, type NullMask, type StringColumn,
} from './column-batch.ts';
export { checkRegexSafety, type RegexSafety } from './regex.ts';
export { ALLOWED_SQL_FUNCTIONS } from './sql-expression.ts';
export { customVote, rowTypeSource } from './custom.ts';
export { quoteIdent } from './sql-literals.ts';
