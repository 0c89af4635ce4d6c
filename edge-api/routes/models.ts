// ONNX in and out of Reef: a training run's label model exported as an ONNX graph.
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse, notFound } from '../errors.ts';
import { createRouter, errors, secured } from '../router.ts';
import { runLabelModelOnnx, RunModelExportError } from '../runs/onnx-export.ts';
import { getRun } from '../runs/run-store.ts';
import { RunParams } from './runs.ts';

const exportLabelModel = createRoute({
  method: 'get', path: '/api/runs/{run_id}/model.onnx', tags: ['runs'], security: secured,
  summary: 'The fitted label model of a finished training run as ONNX: votes int64 [N, M] (-1 abstain) → probabilities float64 [N, k]',
  request: { params: RunParams },
  responses: { 200: { description: 'The ONNX model bytes', content: { 'application/octet-stream': { schema: z.string() } } }, ...errors },
});

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
  });
