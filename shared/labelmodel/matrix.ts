// The label-matrix contract (DESIGN.md "Contracts"): N×M row-major, -1 abstains, classes 0..k-1,
// Int8Array while every class fits in a signed byte, Int16Array beyond.

export type LabelArray = Int8Array | Int16Array;

export interface LabelMatrix {
  L: LabelArray;
  n: number;
  m: number;
  k: number;
}

export const ABSTAIN = -1;

export type LabelModelErrorCode = 'BAD_INPUT' | 'BAD_PARAMS' | 'NAN_LOSS' | 'NOT_FITTED';

export class LabelModelError extends Error {
  readonly code: LabelModelErrorCode;
  constructor(code: LabelModelErrorCode, message: string) {
    super(message);
    this.name = 'LabelModelError';
    this.code = code;
  }
}

export function isLabelModelError(e: unknown): e is LabelModelError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'LabelModelError';
}

/** The narrowest array type that holds votes for k classes. */
export function allocateLabels(k: number, length: number): LabelArray {
  return k > 127 ? new Int16Array(length) : new Int8Array(length);
}

/** Throws BAD_INPUT unless L is n×m with every entry in -1..k-1 and k ≥ 2. */
export function checkLabelMatrix({ L, n, m, k }: LabelMatrix, what = 'label matrix'): void {
  if (!Number.isInteger(k) || k < 2) {
    throw new LabelModelError('BAD_INPUT', `${what}: cardinality k must be an integer ≥ 2, got ${k}`);
  }
  if (L.length !== n * m) {
    throw new LabelModelError('BAD_INPUT', `${what}: expected ${n}×${m} = ${n * m} entries, got ${L.length}`);
  }
  for (let i = 0; i < L.length; i++) {
    const v = L[i];
    if (v < -1 || v >= k) {
      const row = Math.floor(i / m);
      throw new LabelModelError(
        'BAD_INPUT',
        `${what}: row ${row}, LF ${i - row * m} votes ${v}, outside -1..${k - 1} (k=${k}); relabel classes as 0..k-1 with -1 for abstain`,
      );
    }
  }
}

/** Throws BAD_INPUT unless every gold label lies in -1..k-1 (-1 = no gold for that row). */
export function checkGoldLabels(Y: Int32Array, n: number, k: number, what = 'gold labels'): void {
  if (Y.length !== n) {
    throw new LabelModelError('BAD_INPUT', `${what}: expected ${n} labels (one per matrix row), got ${Y.length}`);
  }
  for (let i = 0; i < n; i++) {
    if (Y[i] < -1 || Y[i] >= k) {
      throw new LabelModelError('BAD_INPUT', `${what}: row ${i} has label ${Y[i]}, outside -1..${k - 1} (k=${k})`);
    }
  }
}
