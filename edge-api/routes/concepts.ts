import { createRoute, z } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { Concept, ConceptCreate, ConceptUpdate } from '../../shared/schema/concept.ts';
import type { Db } from '../db/client.ts';
import { conceptValues, concepts } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';

export const ConceptParams = z.object({ c_id: z.uuid({ message: 'c_id must be a concept id (UUID)' }) });

/** The concept with its ordered class names, or 404. */
export async function loadConcept(db: Db, cId: string): Promise<Concept> {
  const [row] = await db.select().from(concepts).where(eq(concepts.id, cId));
  if (!row) throw notFound('concept', cId);
  const values = await db.select().from(conceptValues).where(eq(conceptValues.conceptId, cId)).orderBy(asc(conceptValues.position));
  return {
    c_id: row.id, name: row.name, description: row.description, values: values.map((v) => v.name),
    concept_values: values.map((v) => ({ cv_id: v.id, name: v.name, position: v.position })),
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  };
}

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
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const db = c.var.deps.db;
    const id = await db.transaction(async (tx) => {
      const [row] = await tx.insert(concepts).values({ name: body.name, description: body.description }).returning();
      await tx.insert(conceptValues).values(body.values.map((name, position) => ({ conceptId: row!.id, position, name })));
      return row!.id;
    });
    return c.json(await loadConcept(db, id), 201);
  })
  .openapi(list, async (c) => {
    const db = c.var.deps.db;
    const rows = await db.select({ id: concepts.id }).from(concepts).orderBy(asc(concepts.createdAt));
    return c.json(await Promise.all(rows.map((r) => loadConcept(db, r.id))), 200);
  })
  .openapi(get, async (c) => c.json(await loadConcept(c.var.deps.db, c.req.valid('param').c_id), 200))
  .openapi(update, async (c) => {
    const { c_id } = c.req.valid('param');
    const body = c.req.valid('json');
    const db = c.var.deps.db;
    await loadConcept(db, c_id);
    await db.update(concepts).set({ name: body.name, description: body.description, updatedAt: new Date() }).where(eq(concepts.id, c_id));
    return c.json(await loadConcept(db, c_id), 200);
  })
  .openapi(remove, async (c) => {
    const { c_id } = c.req.valid('param');
    const [row] = await c.var.deps.db.delete(concepts).where(eq(concepts.id, c_id)).returning({ id: concepts.id });
    if (!row) throw notFound('concept', c_id);
    return c.body(null, 204);
  });
