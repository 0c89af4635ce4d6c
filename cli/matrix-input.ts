// Reads label matrices for the CLI: WRENCH-style JSON (../shared/data/wrench) or NumPy .npy files,
// so matrices produced by Python tools load without conversion.
import { readFileSync } from 'node:fs';
import { allocateLabels, checkGoldLabels, checkLabelMatrix, isLabelModelError } from '../shared/labelmodel/matrix.ts';
import {
  labelMatrixInputFromWrench, MatrixInputError, type LabelMatrixInput, type MatrixSplit, type SplitName,
} from '../shared/labelmodel/wrench-input.ts';

export type { LabelMatrixInput, MatrixSplit, SplitName };

/** `matrix`: one WRENCH JSON file. Otherwise .npy paths per split; `cardinality` defaults to 1 + the largest label seen. */
export type MatrixInputSource =
  | { matrix: string }
  | {
      train?: string;
      trainLabels?: string;
      valid?: string;
      validLabels?: string;
      test?: string;
      testLabels?: string;
      cardinality?: number;
    };

export function readLabelMatrixInput(source: MatrixInputSource): LabelMatrixInput {
  try {
    return 'matrix' in source ? readWrenchJson(source.matrix) : readNpySplits(source);
  } catch (e) {
    // One error type for callers: the shared checks raise LabelModelError with the same code.
    if (isLabelModelError(e)) throw new MatrixInputError(e.message);
    throw e;
  }
}

function readWrenchJson(path: string): LabelMatrixInput {
  return labelMatrixInputFromWrench(readInputFile(path), path);
}

function readInputFile(path: string): string {
  return readInputBytes(path).toString('utf8');
}

function readInputBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new MatrixInputError(code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${code ?? (e as Error).message})`);
  }
}

function readNpySplits(source: Exclude<MatrixInputSource, { matrix: string }>): LabelMatrixInput {
  const raw: Partial<Record<SplitName, { L: NpyArray; Y?: NpyArray; path: string }>> = {};
  const pairs = [
    ['train', source.train, source.trainLabels],
    ['valid', source.valid, source.validLabels],
    ['test', source.test, source.testLabels],
  ] as const;
  for (const [name, lPath, yPath] of pairs) {
    if (yPath !== undefined && lPath === undefined) throw new MatrixInputError(`labels for the ${name} split given without its label matrix`);
    if (lPath === undefined) continue;
    const L = readNpy(lPath);
    if (L.shape.length !== 2) throw new MatrixInputError(`${lPath}: a label matrix must be 2-D (rows × LFs), got shape (${L.shape.join(', ')})`);
    const Y = yPath === undefined ? undefined : readNpy(yPath);
    if (Y && Y.shape.length !== 1) throw new MatrixInputError(`${yPath}: gold labels must be 1-D, got shape (${Y.shape.join(', ')})`);
    if (Y && Y.shape[0] !== L.shape[0]) throw new MatrixInputError(`${yPath}: ${Y.shape[0]} labels for ${L.shape[0]} matrix rows`);
    raw[name] = { L, Y, path: lPath };
  }
  const present = Object.values(raw);
  if (present.length === 0) throw new MatrixInputError('no label matrix given: pass --train (and optionally --valid/--test) .npy files');
  const m = present[0].L.shape[1];
  for (const r of present) {
    if (r.L.shape[1] !== m) throw new MatrixInputError(`${r.path}: has ${r.L.shape[1]} LFs but another split has ${m}`);
  }
  const k = source.cardinality ?? inferCardinality(present);
  const splits: LabelMatrixInput['splits'] = {};
  for (const name of ['train', 'valid', 'test'] as const) {
    const r = raw[name];
    if (!r) continue;
    const n = r.L.shape[0];
    // Check the original values first: a vote such as 300 must not wrap into range when narrowed to Int8.
    checkOriginalRange(r.L.values, k, r.path);
    const L = allocateLabels(k, n * m);
    L.set(r.L.values);
    const split: MatrixSplit = { L, n, m };
    checkLabelMatrix({ L, n, m, k }, r.path);
    if (r.Y) {
      checkOriginalRange(r.Y.values, k, `${name} labels`);
      split.Y = Int32Array.from(r.Y.values);
    }
    splits[name] = split;
  }
  return { k, splits };
}

function checkOriginalRange(values: Float64Array, k: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] < -1 || values[i] >= k) throw new MatrixInputError(`${what}: entry ${i} is ${values[i]}, outside -1..${k - 1} (k=${k})`);
  }
}

function inferCardinality(arrays: { L: NpyArray; Y?: NpyArray }[]): number {
  let max = -1;
  for (const a of arrays) {
    for (const v of a.L.values) if (v > max) max = v;
    if (a.Y) for (const v of a.Y.values) if (v > max) max = v;
  }
  const k = max + 1;
  if (k < 2) throw new MatrixInputError(`only ${Math.max(k, 0)} class(es) appear in the .npy files; pass the cardinality (k ≥ 2) explicitly`);
  return k;
}

interface NpyArray {
  shape: number[];
  values: Float64Array;
}

const NPY_MAGIC = '\x93NUMPY';

/** Parses an integer .npy (format 1.0–3.0): int8/16/32/64 (either byte order), C order only. */
function readNpy(path: string): NpyArray {
  const bytes = readInputBytes(path);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== NPY_MAGIC) throw new MatrixInputError(`${path}: not a NumPy .npy file`);
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLen);
  const descr = /'descr'\s*:\s*'([<>|=])([iu])(\d)'/.exec(header);
  if (!descr) throw new MatrixInputError(`${path}: dtype must be int8, int16, int32 or int64 (header: ${header.trim()})`);
  if (/'fortran_order'\s*:\s*True/.test(header)) throw new MatrixInputError(`${path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeText) throw new MatrixInputError(`${path}: header has no shape`);
  const shape = shapeText[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const size = Number(descr[3]);
  if (![1, 2, 4, 8].includes(size)) throw new MatrixInputError(`${path}: unsupported integer width ${size} bytes`);
  const littleEndian = descr[1] !== '>';
  const signed = descr[2] === 'i';
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  if (bytes.length - dataStart < count * size) throw new MatrixInputError(`${path}: file is truncated (shape (${shape.join(', ')}) needs ${count * size} data bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, count * size);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = readInteger(view, i * size, size, signed, littleEndian);
  return { shape, values };
}

function readInteger(view: DataView, offset: number, size: number, signed: boolean, le: boolean): number {
  switch (size) {
    case 1:
      return signed ? view.getInt8(offset) : view.getUint8(offset);
    case 2:
      return signed ? view.getInt16(offset, le) : view.getUint16(offset, le);
    case 4:
      return signed ? view.getInt32(offset, le) : view.getUint32(offset, le);
    default:
      return Number(signed ? view.getBigInt64(offset, le) : view.getBigUint64(offset, le));
  }
}
