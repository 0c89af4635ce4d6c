// Rows [from, to) of a ColumnBatch as a batch of their own, sharing the original's memory where it can: typed
// arrays as subarray views, text as one slice of the joined string (V8 keeps a slice as a view, too). Lets two
// workers each scan half the rows of the same column.
import type { BatchColumn, ColumnBatch } from '../../../shared/lf/column-batch.ts';

function columnRange(column: BatchColumn, from: number, to: number): BatchColumn {
  const nulls = column.nulls ? column.nulls.subarray(from, to) : null;
  if (column.type !== 'string') return { ...column, values: column.values.subarray(from, to), nulls } as BatchColumn;
  const base = column.offsets[from]!;
  const offsets = new Int32Array(to - from + 1);
  for (let i = 0; i <= to - from; i++) offsets[i] = column.offsets[from + i]! - base;
  return { type: 'string', text: column.text.slice(base, Math.max(base, column.offsets[to]! - 1)), offsets, nulls, hasNewline: column.hasNewline };
}

export function rowRange(batch: ColumnBatch, from: number, to: number): ColumnBatch {
  const columns: Record<string, BatchColumn> = {};
  for (const [name, column] of Object.entries(batch.columns)) columns[name] = columnRange(column, from, to);
  return { length: to - from, columns };
}
