// A pipeline is the canvas graph (and notebook cells) the analyst builds, stored whole under a name per concept.
import { createRoute, z } from '@hono/zod-openapi';
import { Name } from '../../shared/schema/common.ts';
import { Pipeline, PipelineGraph, PipelineSummary } from '../../shared/schema/pipeline.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import { loadConcept } from '../data/concepts.ts';
import { deletePipeline, listPipelineNames, loadPipeline, savePipeline, type PipelineRow } from '../data/pipelines.ts';
import { ConceptParams } from './concepts.ts';

const PipelineParams = ConceptParams.extend({ name: Name });

const toPipeline = (row: PipelineRow): Pipeline => ({
  c_id: row.conceptId, name: row.name, graph: row.graph, updated_at: iso(row.updatedAt)!,
});

const tags = ['pipelines'];
const save = createRoute({
  method: 'put', path: '/api/concepts/{c_id}/pipelines/{name}', tags, security: secured,
  request: { params: PipelineParams, ...jsonBody(PipelineGraph) },
  responses: { 200: json(Pipeline, 'The saved pipeline (created, or replaced whole)'), ...errors },
});
const list = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/pipelines', tags, security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(z.array(PipelineSummary), "The concept's pipelines, by name"), ...errors },
});
const get = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/pipelines/{name}', tags, security: secured,
  request: { params: PipelineParams },
  responses: { 200: json(Pipeline, 'The pipeline'), ...errors },
});
const remove = createRoute({
  method: 'delete', path: '/api/concepts/{c_id}/pipelines/{name}', tags, security: secured,
  request: { params: PipelineParams },
  responses: { 204: { description: 'Deleted' }, ...errors },
});

export const pipelineRoutes = () => createRouter()
  .openapi(save, async (c) => {
    const { c_id, name } = c.req.valid('param');
    const graph = c.req.valid('json');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    return c.json(toPipeline(await savePipeline(db, c_id, name, graph)), 200);
  })
  .openapi(list, async (c) => {
    const { c_id } = c.req.valid('param');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    const rows = await listPipelineNames(db, c_id);
    return c.json(rows.map((r) => ({ name: r.name, updated_at: iso(r.updatedAt)! })), 200);
  })
  .openapi(get, async (c) => {
    const { c_id, name } = c.req.valid('param');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    return c.json(toPipeline(await loadPipeline(db, c_id, name)), 200);
  })
  .openapi(remove, async (c) => {
    const { c_id, name } = c.req.valid('param');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    await loadPipeline(db, c_id, name);
    await deletePipeline(db, c_id, name);
    return c.body(null, 204);
  });
