// An ONNX model as plain data, and its encoding as an onnx.proto ModelProto (the field numbers are onnx.proto's).
// Only what Reef's graphs use: dense tensors as raw little-endian bytes, int/float/ints/string attributes,
// static or named dimensions.
import { ProtoWriter } from './protobuf.ts';

/** ONNX TensorProto.DataType codes of the element types Reef writes. */
export const ELEMENT_TYPES = { float32: 1, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type ElementType = keyof typeof ELEMENT_TYPES;

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Int8Array;

export interface Tensor {
  name: string;
  type: ElementType;
  dims: number[];
  data: TensorData;
}

/** A graph input or output: a tensor of `type` whose dimensions are sizes or names (a name = any size, e.g. "N"). */
export interface ValueInfo {
  name: string;
  type: ElementType;
  shape: (number | string)[];
}

export type Attribute = { int: number } | { ints: number[] } | { float: number } | { string: string };

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

export interface Graph {
  name: string;
  nodes: GraphNode[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface OnnxModel {
  graph: Graph;
  /** Default-domain opset; 17 runs on onnxruntime ≥ 1.13 (Node, web, Python). */
  opset?: number;
  docString?: string;
  /** metadata_props: onnxruntime exposes them as the session's custom metadata map. */
  metadata?: Record<string, string>;
}

const OPSET = 17;
/** The IR version that goes with opset 17. */
const IR_VERSION = 8;
const PRODUCER = 'reef';

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, IR_VERSION);
  w.string(2, PRODUCER);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  w.message(8, (o) => o.string(1, '').varint(2, model.opset ?? OPSET));
  for (const [key, value] of Object.entries(model.metadata ?? {})) w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}

function writeGraph(w: ProtoWriter, graph: Graph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: GraphNode): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, `${node.op}_${node.outputs[0]}`);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
}

function writeAttribute(w: ProtoWriter, name: string, value: Attribute): void {
  w.string(1, name);
  if ('int' in value) w.varint(3, value.int).varint(20, 2);
  else if ('float' in value) w.float(2, value.float).varint(20, 1);
  else if ('string' in value) w.string(4, value.string).varint(20, 3);
  else w.packedVarints(8, value.ints).varint(20, 7);
}

function writeTensor(w: ProtoWriter, tensor: Tensor): void {
  const expected = tensor.dims.reduce((a, b) => a * b, 1);
  if (expected !== tensor.data.length) {
    throw new RangeError(`tensor ${tensor.name}: dims [${tensor.dims.join(', ')}] hold ${expected} values, data has ${tensor.data.length}`);
  }
  w.packedVarints(1, tensor.dims);
  w.varint(2, ELEMENT_TYPES[tensor.type]);
  w.string(8, tensor.name);
  w.bytes(9, littleEndianBytes(tensor.data));
}

function writeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) => type.message(1, (t) => {
    t.varint(1, ELEMENT_TYPES[info.type]);
    t.message(2, (shape) => {
      for (const dim of info.shape) shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
    });
  }));
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** raw_data is little-endian whatever the machine; typed arrays are in the machine's order. */
function littleEndianBytes(data: TensorData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) for (let b = 0; b < size; b++) out[i + b] = bytes[i + size - 1 - b]!;
  return out;
}
