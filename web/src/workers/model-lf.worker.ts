// Model LFs in the browser: onnxruntime-web's wasm build runs the uploaded ONNX model over the feature columns the
// data worker sends, through shared/onnx's evaluator (the one the server's partition jobs run), in batches. Its
// .wasm is the app's own asset (DESIGN.md pitfalls): nothing is fetched from a CDN.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { ColumnBatch } from '../../../shared/lf/column-batch.ts';
import { evaluateModelLf, isModelLfError, loadOnnxModel, type LoadedModel, type ModelLfSpec } from '../../../shared/onnx/model-lf.ts';

ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
// Threads need a cross-origin isolated page; the notebook's two other workers already use the second core.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;

/** Rows per session.run: large enough that the per-call cost vanishes, small enough to keep tensors ~MBs. */
const MODEL_BATCH_ROWS = 65_536;

/** Uploaded models are immutable, so each is fetched and loaded once per worker. */
const models = new Map<string, Promise<LoadedModel>>();

async function fetchModel(url: string, token: string): Promise<LoadedModel> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) {
    const body = await res.json().catch(() => undefined) as { error?: { code?: string; message?: string } } | undefined;
    throw Object.assign(new Error(body?.error?.message ?? `${url}: HTTP ${res.status}`), { code: res.status === 404 ? 'MODEL_NOT_FOUND' : 'MODEL_FETCH_FAILED' });
  }
  return loadOnnxModel(ort, new Uint8Array(await res.arrayBuffer()));
}

export type ModelVotes = { votes: Int8Array; ms: number } | { code: string; message: string };

const api = {
  /** The model LF's votes over the batch (moved to the caller), or its error as a value: error codes do not survive postMessage. */
  async votes(modelUrl: string, token: string, spec: ModelLfSpec, batch: ColumnBatch, batchRows = MODEL_BATCH_ROWS): Promise<ModelVotes> {
    const started = performance.now();
    try {
      let model = models.get(modelUrl);
      if (!model) {
        model = fetchModel(modelUrl, token);
        model.catch(() => models.delete(modelUrl));
        models.set(modelUrl, model);
      }
      const votes = await evaluateModelLf(ort, await model, spec, batch, { batchRows });
      return Comlink.transfer({ votes, ms: performance.now() - started }, [votes.buffer]);
    } catch (e) {
      const code = isModelLfError(e) ? e.code : typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'MODEL_RUN_FAILED';
      return { code, message: (e as Error).message };
    }
  },
};

export type ModelLfApi = typeof api;
Comlink.expose(api);
