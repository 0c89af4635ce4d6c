// ONNX in and out of Reef: a training run's label model exported as an ONNX graph, and classifier models uploaded
// to a concept for model LFs (stored in the object store, checked by loading them into onnxruntime).
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { ApiError, errorResponse, notFound } from '../errors.ts';
import { createRouter, errors, json, secured } from '../router.ts';
import { runLabelModelOnnx, RunModelExportError } from '../models/onnx-export.ts';
import { modelInfoKey, modelObjectKey, modelsPrefix } from '../models/onnx-models.ts';
import { ModelInfo } from '../../shared/schema/model.ts';
import { isModelLfError, loadOnnxModel, type LoadedModel } from '../../shared/onnx/index.ts';
import { loadOnnxRuntime } from '../models/onnx-runtime.ts';
import { getRun } from '../runs/run-store.ts';
import { loadConcept } from '../data/concepts.ts';
import { ConceptParams } from './concepts.ts';
import { RunParams } from './runs.ts';

const exportLabelModel = createRoute({
  method: 'get', path: '/api/runs/{run_id}/model.onnx', tags: ['runs'], security: secured,
  summary: 'The fitted label model of a finished training run as ONNX: votes int64 [N, M] (-1 abstain) → probabilities float64 [N, k]',
  request: { params: RunParams },
  responses: { 200: { description: 'The ONNX model bytes', content: { 'application/octet-stream': { schema: z.string() } } }, ...errors },
});


const upload = createRoute({
  method: 'post', path: '/api/concepts/{c_id}/models', tags: ['models'], security: secured,
  summary: 'Upload an ONNX classifier (raw request body, at most 100 MB) for model LFs; refused unless onnxruntime loads it',
  request: {
    params: ConceptParams,
    query: z.object({ name: z.string().regex(/^[\w.-]{1,120}\.onnx$/i, 'name must look like spam_scorer.onnx (letters, digits, _ . -)') }),
    body: { required: true, content: { 'application/octet-stream': { schema: z.string() } } },
  },
  responses: { 201: json(ModelInfo, 'The stored model, with its inputs and outputs as onnxruntime reads them'), 413: errors[400], ...errors },
});
const ModelParams = ConceptParams.extend({ model_id: z.uuid({ message: 'model_id must be an uploaded model id (UUID)' }) });
const download = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/models/{model_id}/model.onnx', tags: ['models'], security: secured,
  summary: 'The uploaded model\'s bytes (the browser runs model LFs with them); immutable, so cacheable by URL',
  request: { params: ModelParams },
  responses: { 200: { description: 'The ONNX model bytes', content: { 'application/octet-stream': { schema: z.string() } } }, ...errors },
});
const list = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/models', tags: ['models'], security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(z.array(ModelInfo), 'The concept\'s uploaded models, oldest first'), ...errors },
});


/** Models are loaded whole to be validated, so they get a bound of their own (the JSON body limit does not apply). */
export const MAX_MODEL_BYTES = 100 * 1024 * 1024;
const tooLarge = () => new ApiError(413, 'PAYLOAD_TOO_LARGE', `A model may be at most ${MAX_MODEL_BYTES / 1024 / 1024} MB.`);

function requireStore(c: Context<AppEnv>) {
  const store = c.var.deps.store;
  if (!store) throw new ApiError(501, 'NOT_AVAILABLE', 'This deployment has no object store; upload models through a Node deployment.');
  return store;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const modelRoutes = () => createRouter()
  .openapi(exportLabelModel, async (c) => {
    const { run_id } = c.req.valid('param');
    const run = await getRun(c.var.deps.db, run_id);
    if (!run) throw notFound('run', run_id);
    let bytes: Uint8Array;
    try {
      bytes = await runLabelModelOnnx(c.var.deps.db, run);
    } catch (err) {
      const known = err instanceof RunModelExportError ? err : undefined;
      if (known) return errorResponse(c, known.status, known.code, known.message) as never;
      const exportError = err as { code?: unknown; message?: string };
      if (exportError.code === 'LABEL_MODEL_NOT_EXPORTABLE') return errorResponse(c, 400, 'LABEL_MODEL_NOT_EXPORTABLE', `Run ${run_id}: ${exportError.message}`) as never;
      throw err;
    }
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length),
      'Content-Disposition': `attachment; filename="reef-${run_id}.onnx"`,
    }) as never;
  })
  .openapi(upload, async (c) => {
    const { c_id } = c.req.valid('param');
    const { name } = c.req.valid('query');
    await loadConcept(c.var.deps.db, c_id);
    const store = requireStore(c);
    if (Number(c.req.header('Content-Length') ?? 0) > MAX_MODEL_BYTES) throw tooLarge();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length > MAX_MODEL_BYTES) throw tooLarge();
    if (bytes.length === 0) throw new ApiError(400, 'VALIDATION_FAILED', 'Send the .onnx file as the request body.');
    let model: LoadedModel;
    try {
      model = await loadOnnxModel(await loadOnnxRuntime(), bytes);
    } catch (err) {
      if (isModelLfError(err)) return errorResponse(c, 400, err.code, `${name}: ${err.message}`, err.details) as never;
      if ((err as { code?: unknown }).code === 'ONNX_RUNTIME_UNAVAILABLE') return errorResponse(c, 501, 'NOT_AVAILABLE', (err as Error).message) as never;
      throw err;
    }
    await model.session.release();
    const info: ModelInfo = {
      model_id: crypto.randomUUID(), c_id, name, bytes: bytes.length, sha256: await sha256Hex(bytes),
      inputs: model.inputs, outputs: model.outputs, uploaded_at: new Date().toISOString(),
    };
    // The model first, its description last: a listing only shows models whose bytes are already stored.
    await store.put(modelObjectKey(c_id, info.model_id), bytes, { contentType: 'application/octet-stream' });
    await store.put(modelInfoKey(c_id, info.model_id), JSON.stringify(info), { contentType: 'application/json' });
    return c.json(info, 201);
  })
  .openapi(download, async (c) => {
    const { c_id, model_id } = c.req.valid('param');
    const store = requireStore(c);
    const key = modelObjectKey(c_id, model_id);
    if (!(await store.head(key))) throw notFound('model in this concept', model_id);
    const bytes = await store.getBytes(key);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length), 'Cache-Control': 'private, max-age=31536000, immutable',
    }) as never;
  })
  .openapi(list, async (c) => {
    const { c_id } = c.req.valid('param');
    await loadConcept(c.var.deps.db, c_id);
    const store = requireStore(c);
    const described = (await store.list(modelsPrefix(c_id))).filter((o) => o.key.endsWith('/model.json'));
    const models = await Promise.all(described.map(async (o) => JSON.parse(new TextDecoder().decode(await store.getBytes(o.key))) as ModelInfo));
    return c.json(models.sort((a, b) => a.uploaded_at.localeCompare(b.uploaded_at)), 200);
  });
