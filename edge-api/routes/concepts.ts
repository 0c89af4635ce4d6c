import { createRoute, z } from '@hono/zod-openapi';
import { Concept, ConceptCreate, ConceptUpdate } from '../../shared/schema/concept.ts';
import { createConcept, deleteConcept, listConcepts, loadConcept, updateConcept } from '../data/concepts.ts';
import { createRouter, errors, json, jsonBody, secured } from '../router.ts';

export const ConceptParams = z.object({ c_id: z.uuid({ message: 'c_id must be a concept id (UUID)' }) });

const tags = ['concepts'];
const create = createRoute({
  method: 'post', path: '/api/concepts', tags, security: secured,
  request: jsonBody(ConceptCreate),
  responses: { 201: json(Concept, 'The new concept'), ...errors },
});
const list = createRoute({
  method: 'get', path: '/api/concepts', tags, security: secured,
  responses: { 200: json(z.array(Concept), 'All concepts'), ...errors },
});
const get = createRoute({
  method: 'get', path: '/api/concepts/{c_id}', tags, security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(Concept, 'The concept'), ...errors },
});
const update = createRoute({
  method: 'patch', path: '/api/concepts/{c_id}', tags, security: secured,
  request: { params: ConceptParams, ...jsonBody(ConceptUpdate) },
  responses: { 200: json(Concept, 'The updated concept'), ...errors },
});
const remove = createRoute({
  method: 'delete', path: '/api/concepts/{c_id}', tags, security: secured,
  request: { params: ConceptParams },
  responses: { 204: { description: 'Deleted, with its assets, LFs, pipelines and runs' }, ...errors },
});

export const conceptRoutes = () => createRouter()
  .openapi(create, async (c) => c.json(await createConcept(c.var.deps.db, c.req.valid('json')), 201))
  .openapi(list, async (c) => c.json(await listConcepts(c.var.deps.db), 200))
  .openapi(get, async (c) => c.json(await loadConcept(c.var.deps.db, c.req.valid('param').c_id), 200))
  .openapi(update, async (c) => c.json(await updateConcept(c.var.deps.db, c.req.valid('param').c_id, c.req.valid('json')), 200))
  .openapi(remove, async (c) => {
    await deleteConcept(c.var.deps.db, c.req.valid('param').c_id);
    return c.body(null, 204);
  });
