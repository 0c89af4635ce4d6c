// Test support: the two ONNX runtimes Reef runs models with, loaded in Node — onnxruntime-node (the server) and
// onnxruntime-web's wasm build (what the browser worker runs), so one suite proves both give the same numbers.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web/wasm';

// Node has no browser worker threads for the wasm build to spread over; one thread computes the same numbers.
ortWeb.env.wasm.numThreads = 1;

export type TestRuntime = Pick<typeof ortNode, 'InferenceSession' | 'Tensor'>;

export const RUNTIMES: [string, TestRuntime][] = [
  ['onnxruntime-node', ortNode],
  ['onnxruntime-web (wasm)', ortWeb],
];
