// Applying LFs to a batch: the vote columns of compiled LFs assembled into the N×M row-major label matrix
// (DESIGN.md "Contracts"), what Snorkel's PandasLFApplier returns. Columns stay available on their own,
// so the studio can cache them per LF and rebuild only the one that changed.
import { allocateLabels } from '../labelmodel/matrix.ts';
import type { ColumnBatch } from './column-batch.ts';
import type { CompiledLf, VoteColumn } from './types.ts';

export interface AppliedLfs {
  L: VoteColumn;
  n: number;
  m: number;
  columns: VoteColumn[];
}

export class LfApplyError extends Error {
  readonly code = 'NOT_RUNNABLE';
  constructor(message: string) {
    super(message);
    this.name = 'LfApplyError';
  }
}

export function applyLfs(lfs: CompiledLf[], batch: ColumnBatch, k: number): AppliedLfs {
  const columns = lfs.map((lf) => {
    if (!lf.evaluate) throw new LfApplyError(`LF "${lf.name}" is a ${lf.type} LF: run it in the custom-LF sandbox and pass its votes as a column.`);
    return lf.evaluate(batch);
  });
  return { L: labelMatrixFromColumns(columns, batch.length, k), n: batch.length, m: columns.length, columns };
}

/** Interleaves per-LF vote columns into one row-major matrix (Int16Array when k > 127). */
export function labelMatrixFromColumns(columns: VoteColumn[], n: number, k: number): VoteColumn {
  const m = columns.length;
  const L = allocateLabels(k, n * m);
  for (let j = 0; j < m; j++) {
    const col = columns[j];
    if (col.length !== n) throw new LfApplyError(`vote column ${j} has ${col.length} rows, not ${n}.`);
    for (let i = 0, p = j; i < n; i++, p += m) L[p] = col[i];
  }
  return L;
}
