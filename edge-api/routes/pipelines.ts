// A pipeline is the canvas graph (and notebook cells) the analyst builds, stored whole under a name per concept.
import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq } from 'drizzle-orm';
import { Name } from '../../shared/schema/common.ts';
import { Pipeline, PipelineGraph, PipelineSummary } from '../../shared/schema/pipeline.ts';
import type { Db } from '../db/client.ts';
import { pipelines } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import { loadConcept } from '../data/concepts.ts';
import { ConceptParams } from './concepts.ts';

const PipelineParams = ConceptParams.extend({ name: Name });

type PipelineRow = typeof pipelines.$inferSelect;

const toPipeline = (row: PipelineRow): Pipeline => ({
  c_id: row.conceptId, name: row.name, graph: row.graph, updated_at: iso(row.updatedAt)!,
});

async function loadPipeline(db: Db, cId: string, name: string): Promise<PipelineRow> {
  const [row] = await db.select().from(pipelines).where(and(eq(pipelines.conceptId, cId), eq(pipelines.name, name)));
  if (!row) throw new ApiError(404, 'NOT_FOUND', `This concept has no pipeline named "${name}"; list them with GET /api/concepts/${cId}/pipelines.`);
  return row;
}

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
    // One statement, so two saves racing on a new name both succeed (the last one wins) instead of one hitting 409.
    const [row] = await db.insert(pipelines).values({ conceptId: c_id, name, graph })
      .onConflictDoUpdate({ target: [pipelines.conceptId, pipelines.name], set: { graph, updatedAt: new Date() } })
      .returning();
    return c.json(toPipeline(row!), 200);
  })
  .openapi(list, async (c) => {
    const { c_id } = c.req.valid('param');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    const rows = await db.select({ name: pipelines.name, updatedAt: pipelines.updatedAt }).from(pipelines)
      .where(eq(pipelines.conceptId, c_id)).orderBy(asc(pipelines.name));
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
    await db.delete(pipelines).where(and(eq(pipelines.conceptId, c_id), eq(pipelines.name, name)));
    return c.body(null, 204);
  });
