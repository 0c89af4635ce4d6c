// A linear classifier as ONNX: features float32 [N, f] → MatMul W [f, c] → Add b [c] → Softmax (or the raw logits).
// The smallest real model a model LF can run; tests and the benchmark build theirs with it instead of downloading one.
import { encodeModel, type GraphNode } from './model.ts';

export interface LinearClassifier {
  /** f × c, row-major: weights[j·c + y] is feature j's weight for class y. */
  weights: ArrayLike<number>;
  bias: ArrayLike<number>;
  features: number;
  classes: number;
  /** 'probabilities' (default) ends in Softmax; 'logits' returns the scores before it. */
  output?: 'probabilities' | 'logits';
  inputName?: string;
  outputName?: string;
  /** Input shape; [N, features] by default. Tests give others to make a model a model LF must refuse. */
  inputShape?: (number | string)[];
  /** Applied to the features first, e.g. 'Sqrt' (NaN for negative features). */
  preprocess?: string;
}

export function linearClassifierToOnnx(spec: LinearClassifier): Uint8Array {
  const { features: f, classes: c } = spec;
  const input = spec.inputName ?? 'features';
  const output = spec.outputName ?? (spec.output === 'logits' ? 'logits' : 'probabilities');
  const nodes: GraphNode[] = [];
  let x = input;
  if (spec.preprocess) {
    nodes.push({ op: spec.preprocess, inputs: [x], outputs: ['preprocessed'] });
    x = 'preprocessed';
  }
  const logits = spec.output === 'logits' ? output : 'logits';
  nodes.push(
    { op: 'MatMul', inputs: [x, 'weights'], outputs: ['scores'] },
    { op: 'Add', inputs: ['scores', 'bias'], outputs: [logits] },
  );
  if (spec.output !== 'logits') nodes.push({ op: 'Softmax', inputs: [logits], outputs: [output], attributes: { axis: { int: -1 } } });
  return encodeModel({
    graph: {
      name: 'linear_classifier',
      nodes,
      initializers: [
        { name: 'weights', type: 'float32', dims: [f, c], data: Float32Array.from(spec.weights) },
        { name: 'bias', type: 'float32', dims: [c], data: Float32Array.from(spec.bias) },
      ],
      inputs: [{ name: input, type: 'float32', shape: spec.inputShape ?? ['N', f] }],
      outputs: [{ name: output, type: 'float32', shape: ['N', c] }],
    },
  });
}
