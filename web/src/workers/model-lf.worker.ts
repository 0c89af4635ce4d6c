// Model LFs in the browser: onnxruntime-web's wasm build runs the uploaded ONNX model over the feature columns the
// data worker sends, through shared/onnx's evaluator (the one the server's partition jobs run), in batches. Its
// .wasm is the app's own asset (DESIGN.md pitfalls): nothing is fetched from a CDN.
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import { evaluateModelLf, isModelLfError, loadOnnxModel, type LoadedModel } from '../../../shared/onnx/model-lf.ts';
import { fetchModelBytes } from '../api/models.ts';
import { ApiRequestError } from '../api/request.ts';
import type { ModelLfApi, ModelSource } from './model-lf-protocol.ts';

ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, self.location.href).href };
// Threads need a cross-origin isolated page; the notebook's two other workers already use the second core.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;

/** Rows per session.run: large enough that the per-call cost vanishes, small enough to keep tensors ~MBs. */
const MODEL_BATCH_ROWS = 65_536;

/** Uploaded models are immutable, so each is fetched and loaded once per worker. */
const models = new Map<string, Promise<LoadedModel>>();

async function fetchModel({ conceptId, modelId, token }: ModelSource): Promise<LoadedModel> {
  try {
    return await loadOnnxModel(ort, await fetchModelBytes(conceptId, modelId, token));
  } catch (e) {
    if (!(e instanceof ApiRequestError)) throw e;
    throw Object.assign(new Error(e.message), { code: e.status === 404 ? 'MODEL_NOT_FOUND' : 'MODEL_FETCH_FAILED' });
  }
}

const api: ModelLfApi = {
  async votes(source, spec, batch, batchRows = MODEL_BATCH_ROWS) {
    const started = performance.now();
    const key = `${source.conceptId}/${source.modelId}`;
    try {
      let model = models.get(key);
      if (!model) {
        model = fetchModel(source);
        model.catch(() => models.delete(key));
        models.set(key, model);
      }
      const votes = await evaluateModelLf(ort, await model, spec, batch, { batchRows });
      return Comlink.transfer({ votes, ms: performance.now() - started }, [votes.buffer]);
    } catch (e) {
      const code = isModelLfError(e) ? e.code : typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'MODEL_RUN_FAILED';
      return { code, message: (e as Error).message };
    }
  },
};

Comlink.expose(api);
