// What every LF kind compiles to before it gets its label (compile.ts adds the vote).
import type { ColumnBatch, NullMask } from './column-batch.ts';

/**
 * What a condition compiles to: DuckDB SQL (a boolean, NULL counting as false; null when the condition
 * runs only in JavaScript) and a JS mask (1 = fires).
 */
export interface CompiledCondition {
  sql: string | null;
  fields: string[];
  mask: (batch: ColumnBatch) => Uint8Array;
}

/** NULL never fires a condition: clear the mask on null rows. */
export function withoutNulls(mask: Uint8Array, nulls: NullMask): Uint8Array {
  if (nulls) for (let i = 0; i < mask.length; i++) mask[i] &= nulls[i] ^ 1;
  return mask;
}
