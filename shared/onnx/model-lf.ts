// Model LFs: an uploaded ONNX classifier votes through numeric feature columns. The model's input is a float tensor
// [rows, features] filled from the mapped columns in order; the chosen output is [rows, classes] of probabilities
// (or logits, softmaxed here); the LF votes `label` where the chosen class's probability reaches the threshold, else
// abstains. A row with a null feature abstains (the model was never asked). Anything the model cannot do is a
// ModelLfError with a code, raised for that LF alone.
//
// The ONNX runtime is passed in: onnxruntime-node on the server, onnxruntime-web (`onnxruntime-web/wasm`) in a browser
// worker; both implement onnxruntime-common's API, so one evaluator gives the same votes in both places.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { z } from 'zod';
import type { BatchColumn, ColumnBatch, StringColumn } from '../lf/column-batch.ts';
import type { ModelLfConfig } from '../schema/labeling-function.ts';

/** The part of an onnxruntime module (node or web) a model LF uses. */
export interface OnnxRuntime {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: 'float32' | 'float64', data: Float32Array | Float64Array, dims: readonly number[]) => Tensor;
}

/** A model LF ready to run on a loaded model: its config (less the model id) and the concept value it votes. */
export type ModelLfSpec = Omit<z.input<typeof ModelLfConfig>, 'model_id'> & {
  /** The concept value (0..k-1) voted when the probability is ≥ threshold. */
  label: number;
};

export type ModelLfErrorCode =
  | 'MODEL_NOT_FOUND' | 'MODEL_NOT_ONNX' | 'MODEL_INPUT_SHAPE' | 'MODEL_OUTPUT_SHAPE' | 'MODEL_MISSING_COLUMN' | 'MODEL_COLUMN_TYPE'
  | 'MODEL_NAN_OUTPUT' | 'MODEL_RUN_FAILED';

export class ModelLfError extends Error {
  readonly code: ModelLfErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ModelLfErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ModelLfError';
    this.code = code;
    this.details = details;
  }
}

export function isModelLfError(e: unknown): e is ModelLfError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ModelLfError';
}

export interface TensorInfo {
  name: string;
  /** 'float32', 'int64', …; null for a non-tensor value (a sequence or map, e.g. scikit-learn's ZipMap). */
  type: string | null;
  /** Sizes, or names for dimensions of any size; null when not a tensor. */
  shape: (number | string)[] | null;
}

export interface LoadedModel {
  session: InferenceSession;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** Loads model bytes into onnxruntime; anything it cannot load is MODEL_NOT_ONNX with onnxruntime's reason. */
export async function loadOnnxModel(runtime: OnnxRuntime, bytes: Uint8Array): Promise<LoadedModel> {
  let session: InferenceSession;
  try {
    session = await runtime.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new ModelLfError('MODEL_NOT_ONNX', 'The file is not an ONNX model onnxruntime can load; export it again (e.g. with skl2onnx, torch.onnx or tf2onnx).', {
      reason: (err as Error).message,
    });
  }
  const describe = (m: InferenceSession.ValueMetadata): TensorInfo =>
    (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: null, shape: null });
  return { session, inputs: session.inputMetadata.map(describe), outputs: session.outputMetadata.map(describe) };
}

const FLOAT_INPUTS = new Set(['float32', 'float64']);

type NumericColumn = Exclude<BatchColumn, StringColumn>;

/**
 * Checks the spec against the model's tensors and the columns (a batch's, or an asset schema's) before any row runs:
 * on save, from the uploaded model's description, and again before a batch runs, from the loaded model.
 */
export function checkModelLf(
  model: Pick<LoadedModel, 'inputs' | 'outputs'>, spec: ModelLfSpec, columns: Record<string, { type: string }>,
): { input: TensorInfo; output: TensorInfo } {
  const input = spec.input === undefined ? (model.inputs.length === 1 ? model.inputs[0] : undefined) : model.inputs.find((i) => i.name === spec.input);
  const inputNames = model.inputs.map((i) => i.name).join(', ');
  if (!input) {
    throw new ModelLfError('MODEL_INPUT_SHAPE', spec.input === undefined
      ? `The model has ${model.inputs.length} inputs (${inputNames}); name the one to feed.`
      : `The model has no input "${spec.input}"; its inputs are ${inputNames}.`);
  }
  const features = spec.columns.length;
  const shape = input.shape;
  if (!input.type || !FLOAT_INPUTS.has(input.type) || !shape || shape.length !== 2 || (typeof shape[1] === 'number' && shape[1] !== features)) {
    throw new ModelLfError('MODEL_INPUT_SHAPE',
      `Input "${input.name}" is ${input.type ?? 'not a tensor'} [${shape?.join(', ') ?? ''}]; a model LF feeds a float tensor [rows, ${features}] (one column per mapped feature).`,
      { input });
  }
  const missing = spec.columns.filter((c) => !(c in columns));
  if (missing.length) {
    throw new ModelLfError('MODEL_MISSING_COLUMN', `No column ${missing.map((c) => `"${c}"`).join(', ')} in the index or rules; map the model's features to existing numeric columns.`,
      { missing, available: Object.keys(columns) });
  }
  const wrongType = spec.columns.filter((c) => !['integer', 'float', 'boolean'].includes(columns[c]!.type));
  if (wrongType.length) {
    throw new ModelLfError('MODEL_COLUMN_TYPE', `Column ${wrongType.map((c) => `"${c}" (${columns[c]!.type})`).join(', ')} is not numeric; a model LF reads integer, float or boolean columns.`);
  }
  const output = spec.output === undefined ? model.outputs[0] : model.outputs.find((o) => o.name === spec.output);
  if (!output || !output.shape || output.shape.length !== 2) {
    throw new ModelLfError('MODEL_OUTPUT_SHAPE', output
      ? `Output "${output.name}" is ${output.type ? `[${output.shape?.join(', ')}]` : 'not a tensor'}; choose an output of class scores [rows, classes] (outputs: ${model.outputs.map((o) => o.name).join(', ')}).`
      : `The model has no output "${spec.output}"; its outputs are ${model.outputs.map((o) => o.name).join(', ')}.`, { outputs: model.outputs });
  }
  const classes = output.shape[1];
  if (!Number.isInteger(spec.output_class) || spec.output_class < 0 || (typeof classes === 'number' && spec.output_class >= classes)) {
    throw new ModelLfError('MODEL_OUTPUT_SHAPE', `output_class ${spec.output_class} is outside output "${output.name}", which scores ${classes} classes (0..${Number(classes) - 1}).`);
  }
  return { input, output };
}

/** Votes of the model LF for every row of the batch (-1 = abstain), running the model `batchRows` rows at a time. */
export async function evaluateModelLf(
  runtime: OnnxRuntime, model: LoadedModel, spec: ModelLfSpec, batch: ColumnBatch, options: { batchRows?: number } = {},
): Promise<Int8Array> {
  const { input, output } = checkModelLf(model, spec, batch.columns);
  const n = batch.length;
  const features = spec.columns.map((c) => batch.columns[c] as NumericColumn);
  const f = features.length;
  const nullable = features.filter((col) => col.nulls);
  const batchRows = Math.max(1, Math.min(options.batchRows ?? 65_536, n));
  const votes = new Int8Array(n).fill(-1);
  const double = input.type === 'float64';
  const buffer = double ? new Float64Array(batchRows * f) : new Float32Array(batchRows * f);
  // Rows with a null feature are left out of the model's batch and keep their abstain.
  const rowOf = new Int32Array(batchRows);
  for (let start = 0; start < n; start += batchRows) {
    const end = Math.min(n, start + batchRows);
    let count = 0;
    for (let i = start; i < end; i++) {
      if (nullable.length && nullable.some((col) => col.nulls![i] === 1)) continue;
      rowOf[count++] = i;
    }
    // Column by column: one typed-array read stream per feature instead of f interleaved ones.
    for (let j = 0; j < f; j++) {
      const values = features[j]!.values;
      for (let r = 0; r < count; r++) buffer[r * f + j] = Number(values[rowOf[r]!]!);
    }
    if (count === 0) continue;
    const tensor = new runtime.Tensor(double ? 'float64' : 'float32', buffer.subarray(0, count * f), [count, f]);
    let scores: ArrayLike<number>;
    let dims: readonly number[];
    try {
      const result = await model.session.run({ [input.name]: tensor }, [output.name]);
      scores = result[output.name]!.data as ArrayLike<number>;
      dims = result[output.name]!.dims;
    } catch (err) {
      throw new ModelLfError('MODEL_RUN_FAILED', `The model failed on rows ${start}..${end - 1}: ${(err as Error).message}`);
    }
    const classes = dims[1] ?? 0;
    if (dims.length !== 2 || dims[0] !== count || spec.output_class >= classes) {
      throw new ModelLfError('MODEL_OUTPUT_SHAPE', `Output "${output.name}" came back as [${dims.join(', ')}] for ${count} rows; a model LF needs [rows, classes] with class ${spec.output_class}.`);
    }
    for (let r = 0; r < count; r++) {
      const p = classProbability(scores, r * classes, classes, spec);
      if (Number.isNaN(p)) {
        throw new ModelLfError('MODEL_NAN_OUTPUT', `The model returned NaN for row ${rowOf[r]}; check that row's features (${spec.columns.join(', ')}) and the model.`, { row: rowOf[r] });
      }
      if (p >= spec.threshold) votes[rowOf[r]!] = spec.label;
    }
  }
  return votes;
}

function classProbability(scores: ArrayLike<number>, offset: number, classes: number, spec: ModelLfSpec): number {
  const chosen = scores[offset + spec.output_class]!;
  if (spec.scores !== 'logits') return chosen;
  let max = -Infinity;
  for (let y = 0; y < classes; y++) max = Math.max(max, scores[offset + y]!);
  let z = 0;
  for (let y = 0; y < classes; y++) z += Math.exp(scores[offset + y]! - max);
  return Math.exp(chosen - max) / z;
}
