// What every LF kind compiles to before it gets its label (compile.ts adds the vote).
import type { ColumnBatch, NullMask } from './column-batch.ts';

/**
 * What a condition compiles to: DuckDB SQL (a boolean, NULL counting as false; null when the condition
 * runs only in JavaScript) and a JS mask (1 = fires).
 */
export interface CompiledCondition {
  sql: string | null;
  fields: string[];
  /** `reuse`: a previous mask of the same length to overwrite, so re-running an LF allocates nothing. */
  mask: (batch: ColumnBatch, reuse?: Uint8Array) => Uint8Array;
}

/**
 * n zeros: `reuse` cleared when it has length n, else a new array. Fresh 1M-row typed arrays cost page faults
 * and GC pressure on every run; an LF re-run per keystroke reuses its buffers instead.
 */
export function zeroedMask(n: number, reuse?: Uint8Array): Uint8Array {
  if (reuse && reuse.length === n) return reuse.fill(0);
  return new Uint8Array(n);
}

/** NULL never fires a condition: clear the mask on null rows. */
export function withoutNulls(mask: Uint8Array, nulls: NullMask): Uint8Array {
  if (nulls) for (let i = 0; i < mask.length; i++) mask[i] &= nulls[i] ^ 1;
  return mask;
}
