// onnxruntime-node is a native addon that only Node deployments have. It is loaded on first use through a specifier
// the Workers bundler does not follow, so the definitions API still bundles for Cloudflare Workers without it.
import type * as Ort from 'onnxruntime-node';

export type OnnxRuntime = typeof Ort;

const MODULE = 'onnxruntime-node';
let runtime: Promise<OnnxRuntime> | undefined;

export class OnnxRuntimeUnavailableError extends Error {
  readonly code = 'ONNX_RUNTIME_UNAVAILABLE';
  constructor(cause: unknown) {
    super('This deployment cannot run ONNX models (onnxruntime-node did not load); use a Node deployment (reef serve / reef worker).', { cause });
    this.name = 'OnnxRuntimeUnavailableError';
  }
}

export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  runtime ??= (import(/* @vite-ignore */ MODULE) as Promise<OnnxRuntime>).catch((err: unknown) => {
    runtime = undefined;
    throw new OnnxRuntimeUnavailableError(err);
  });
  return runtime;
}
