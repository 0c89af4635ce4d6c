// WRENCH-style label matrices (../shared/data/wrench): one JSON object with L_train, Y_train, L_valid, Y_valid,
// L_test, Y_test and cardinality, as the CLI, the benchmark and the parity tests read them. The text comes from the
// caller (the CLI reads files; this folder reads nothing).
import { allocateLabels, checkGoldLabels } from './matrix.ts';
import type { LabelArray } from './matrix.ts';

export interface MatrixSplit {
  L: LabelArray;
  n: number;
  m: number;
  Y?: Int32Array;
}

export type SplitName = 'train' | 'valid' | 'test';

export interface LabelMatrixInput {
  k: number;
  splits: Partial<Record<SplitName, MatrixSplit>>;
}

export class MatrixInputError extends Error {
  readonly code = 'BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'MatrixInputError';
  }
}

/** A WRENCH-style JSON document (its text; `path` names it in errors) as label matrices per split. */
export function labelMatrixInputFromWrench(text: string, path: string): LabelMatrixInput {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new MatrixInputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MatrixInputError(`${path}: expected a JSON object with L_train, Y_train, …, cardinality`);
  }
  const k = doc.cardinality;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 2) {
    throw new MatrixInputError(`${path}: "cardinality" must be an integer ≥ 2, got ${JSON.stringify(k)}`);
  }
  const splits: LabelMatrixInput['splits'] = {};
  let m: number | undefined;
  for (const name of ['train', 'valid', 'test'] as const) {
    const rows = doc[`L_${name}`];
    if (rows === undefined || rows === null) continue;
    const split = labelRowsToSplit(rows, k, `${path}: L_${name}`);
    if (m !== undefined && split.m !== m) {
      throw new MatrixInputError(`${path}: L_${name} has ${split.m} LFs but an earlier split has ${m}`);
    }
    m = split.m;
    const gold = doc[`Y_${name}`];
    if (gold !== undefined && gold !== null) {
      split.Y = goldListToArray(gold, `${path}: Y_${name}`);
      checkGoldLabels(split.Y, split.n, k, `${path}: Y_${name}`);
    }
    splits[name] = split;
  }
  if (m === undefined) throw new MatrixInputError(`${path}: no L_train, L_valid or L_test matrix found`);
  return { k, splits };
}

function labelRowsToSplit(rows: unknown, k: number, what: string): MatrixSplit {
  if (!Array.isArray(rows) || rows.length === 0) throw new MatrixInputError(`${what}: expected a non-empty array of rows`);
  const first: unknown = rows[0];
  if (!Array.isArray(first) || first.length === 0) throw new MatrixInputError(`${what}: row 0 is not a non-empty array`);
  const n = rows.length;
  const m = first.length;
  const L = allocateLabels(k, n * m);
  for (let i = 0; i < n; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row) || row.length !== m) {
      throw new MatrixInputError(`${what}: ragged rows, row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, row 0 has ${m}`);
    }
    for (let j = 0; j < m; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -1 || v >= k) {
        throw new MatrixInputError(`${what}: row ${i}, LF ${j} is ${JSON.stringify(v)}, outside -1..${k - 1} (k=${k})`);
      }
      L[i * m + j] = v;
    }
  }
  return { L, n, m };
}

function goldListToArray(gold: unknown, what: string): Int32Array {
  if (!Array.isArray(gold)) throw new MatrixInputError(`${what}: expected an array of class indices`);
  const Y = new Int32Array(gold.length);
  for (let i = 0; i < gold.length; i++) {
    const v: unknown = gold[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new MatrixInputError(`${what}: entry ${i} is ${JSON.stringify(v)}, not an integer`);
    Y[i] = v;
  }
  return Y;
}

