// Rows [from, to) of a ColumnBatch as a batch of their own, sharing the original's memory where it can: typed
// arrays as subarray views, text as one slice of the joined string (V8 keeps a slice as a view, too). Lets two
// workers each scan half the rows of the same column.
import type { BatchColumn, ColumnBatch } from '../../../shared/lf/column-batch.ts';

function columnRange(column: BatchColumn, from: number, to: number): BatchColumn {
  const nulls = column.nulls ? column.nulls.subarray(from, to) : null;
  if (column.type !== 'string') return { ...column, values: column.values.subarray(from, to), nulls } as BatchColumn;
  const base = column.offsets[from]!;
  // From row 0 the offsets need no rebasing: a view will do.
  const offsets = from === 0 ? column.offsets.subarray(0, to + 1) : new Int32Array(to - from + 1);
  if (from !== 0) for (let i = 0; i <= to - from; i++) offsets[i] = column.offsets[from + i]! - base;
  return { type: 'string', text: column.text.slice(base, Math.max(base, column.offsets[to]! - 1)), offsets, nulls, hasNewline: column.hasNewline };
}

export function rowRange(batch: ColumnBatch, from: number, to: number): ColumnBatch {
  const columns: Record<string, BatchColumn> = {};
  for (const [name, column] of Object.entries(batch.columns)) columns[name] = columnRange(column, from, to);
  return { length: to - from, columns };
}

/**
 * Rows [from, to) with every typed array copied into a buffer of its own, and those buffers: posted with them in the
 * transfer list, the rows move to another worker. Posting rowRange's views instead would structured-clone each
 * view's whole buffer (a cached batch's columns all view one buffer of every row), copying far more than the range.
 */
export function movableRowRange(batch: ColumnBatch, from: number, to: number): { batch: ColumnBatch; buffers: ArrayBuffer[] } {
  const range = rowRange(batch, from, to);
  const buffers: ArrayBuffer[] = [];
  const own = <T extends { slice(): T; buffer: ArrayBufferLike }>(array: T): T => {
    const copy = array.slice();
    buffers.push(copy.buffer as ArrayBuffer);
    return copy;
  };
  for (const [name, column] of Object.entries(range.columns)) {
    const nulls = column.nulls ? own(column.nulls) : null;
    if (column.type === 'string') {
      // rowRange made these offsets anew, unless it viewed the column's own (from row 0).
      const offsets = from === 0 ? own(column.offsets) : column.offsets;
      if (from !== 0) buffers.push(column.offsets.buffer as ArrayBuffer);
      range.columns[name] = { ...column, offsets, nulls };
    } else {
      range.columns[name] = { ...column, values: own(column.values as Float64Array), nulls } as BatchColumn;
    }
  }
  return { batch: range, buffers };
}
