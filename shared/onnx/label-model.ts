// A fitted label model as an ONNX graph: input the n×m vote matrix of the run's LFs (int64, -1 = abstain),
// output the n×k class probabilities the run computed (float64, so they match to rounding).
//
// Both graphs start from one-hot votes: Equal(votes[n,m,1], [0..k-1]) → [n,m,k], flattened to [n, m·k]; an abstain
// matches no class, so its row of the one-hot is all zeros and it contributes nothing, as in the TypeScript models.
//   log-linear (Snorkel, Dawid–Skene): softmax(onehot · logTable + logPrior) — logTable is already (m·k)×k.
//   majority vote: counts = onehot · [I_k; …; I_k]; every class tied for the most votes gets 1/(number tied).
import type { LabelModelParameters } from '../schema/label-model.ts';
import { encodeModel, type Graph, type GraphNode, type Tensor } from './model.ts';


export interface LabelModelExport {
  /** The concept's class names, in label order (ONNX metadata `reef.classes`). */
  classes?: string[];
  /** The LF names in vote-column order (metadata `reef.lfs`): the input's column j is LF j's vote. */
  lfs?: string[];
  /** Further metadata_props, e.g. the run id and the model kind. */
  metadata?: Record<string, string>;
}

export const VOTES_INPUT = 'votes';
export const PROBABILITIES_OUTPUT = 'probabilities';

export class LabelModelExportError extends Error {
  readonly code = 'LABEL_MODEL_NOT_EXPORTABLE';
  constructor(message: string) {
    super(message);
    this.name = 'LabelModelExportError';
  }
}

export function labelModelToOnnx(model: LabelModelParameters, info: LabelModelExport = {}): Uint8Array {
  const { m, k } = model;
  if (info.classes && info.classes.length !== k) throw new LabelModelExportError(`the model has ${k} classes but ${info.classes.length} class names were given`);
  if (info.lfs && info.lfs.length !== m) throw new LabelModelExportError(`the model has ${m} LFs but ${info.lfs.length} LF names were given`);
  return encodeModel({
    graph: labelModelGraph(model),
    docString: `Reef label model: ${VOTES_INPUT} int64 [N, ${m}] (one column per LF, -1 = abstain) → ${PROBABILITIES_OUTPUT} float64 [N, ${k}].`,
    metadata: {
      ...(info.classes ? { 'reef.classes': JSON.stringify(info.classes) } : {}),
      ...(info.lfs ? { 'reef.lfs': JSON.stringify(info.lfs) } : {}),
      ...info.metadata,
    },
  });
}

export function labelModelGraph(model: LabelModelParameters): Graph {
  const { m, k } = model;
  if (!(Number.isInteger(m) && m >= 1 && Number.isInteger(k) && k >= 2)) {
    throw new LabelModelExportError(`a label model needs m ≥ 1 LFs and k ≥ 2 classes, got m=${m}, k=${k}`);
  }
  const initializers: Tensor[] = [
    // Reshape's 0 copies the input's dimension, so N (even N = 0) passes through without being known.
    int64('votes_column_shape', [0, m, 1]),
    int64('classes', Array.from({ length: k }, (_, y) => y)),
    int64('flat_shape', [0, m * k]),
  ];
  const nodes: GraphNode[] = [
    { op: 'Reshape', inputs: [VOTES_INPUT, 'votes_column_shape'], outputs: ['votes_column'] },
    { op: 'Equal', inputs: ['votes_column', 'classes'], outputs: ['is_vote'] },
    { op: 'Cast', inputs: ['is_vote'], outputs: ['one_hot'], attributes: { to: { int: 11 } } },
    { op: 'Reshape', inputs: ['one_hot', 'flat_shape'], outputs: ['one_hot_flat'] },
  ];
  if (model.kind === 'loglinear') {
    initializers.push(
      float64('log_table', [m * k, k], checkedTable(model.logTable, m * k * k, 'logTable')),
      float64('log_prior', [k], checkedTable(model.logPrior, k, 'logPrior')),
    );
    nodes.push(
      { op: 'MatMul', inputs: ['one_hot_flat', 'log_table'], outputs: ['evidence'] },
      { op: 'Add', inputs: ['evidence', 'log_prior'], outputs: ['scores'] },
      { op: 'Softmax', inputs: ['scores'], outputs: [PROBABILITIES_OUTPUT], attributes: { axis: { int: -1 } } },
    );
  } else {
    const counter = new Float64Array(m * k * k);
    for (let j = 0; j < m; j++) for (let y = 0; y < k; y++) counter[(j * k + y) * k + y] = 1;
    initializers.push(float64('vote_counter', [m * k, k], counter), int64('class_axis', [1]));
    nodes.push(
      { op: 'MatMul', inputs: ['one_hot_flat', 'vote_counter'], outputs: ['counts'] },
      { op: 'ReduceMax', inputs: ['counts'], outputs: ['most'], attributes: { axes: { ints: [1] }, keepdims: { int: 1 } } },
      { op: 'Equal', inputs: ['counts', 'most'], outputs: ['is_top'] },
      { op: 'Cast', inputs: ['is_top'], outputs: ['top'], attributes: { to: { int: 11 } } },
      { op: 'ReduceSum', inputs: ['top', 'class_axis'], outputs: ['tied'], attributes: { keepdims: { int: 1 } } },
      { op: 'Div', inputs: ['top', 'tied'], outputs: [PROBABILITIES_OUTPUT] },
    );
  }
  return {
    name: model.kind === 'mv' ? 'reef_majority_vote' : 'reef_log_linear_label_model',
    nodes,
    initializers,
    inputs: [{ name: VOTES_INPUT, type: 'int64', shape: ['N', m] }],
    outputs: [{ name: PROBABILITIES_OUTPUT, type: 'float64', shape: ['N', k] }],
  };
}

function checkedTable(values: ArrayLike<number>, length: number, what: string): Float64Array {
  if (values.length !== length) throw new LabelModelExportError(`${what} has ${values.length} entries, expected ${length}`);
  const table = Float64Array.from(values);
  const bad = table.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new LabelModelExportError(`${what}[${bad}] is ${table[bad]}; the fitted model has a non-finite parameter and cannot be exported`);
  return table;
}

const int64 = (name: string, values: number[]): Tensor => ({ name, type: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) });
const float64 = (name: string, dims: number[], data: Float64Array): Tensor => ({ name, type: 'float64', dims, data });
