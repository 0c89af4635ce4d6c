// The catalog: what a concept's pipelines can be built from, in the seed's shape, in one request.
import { createRoute } from '@hono/zod-openapi';
import { asc, eq } from 'drizzle-orm';
import { Catalog } from '../../shared/schema/asset.ts';
import type { Db } from '../db/client.ts';
import { assetTable, labelingFunctions } from '../db/schema.ts';
import { createRouter, errors, json, secured } from '../router.ts';
import { toAsset } from './assets.ts';
import { loadConcept } from '../data/concepts.ts';
import { ConceptParams } from './concepts.ts';

const catalog = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/catalog', tags: ['catalog'], security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(Catalog, "The concept's indexes, rules and labeling functions, with materialization status"), ...errors },
});

export const catalogRoutes = () => createRouter().openapi(catalog, async (c) => {
  const { c_id } = c.req.valid('param');
  // Studio pages poll the catalog: it is kept until a change to the concept, its assets or its LFs (db/cached-reads.ts).
  return c.json(await c.var.reads.catalog.get(c_id, () => loadCatalog(c.var.deps.db, c_id)), 200);
});

async function loadCatalog(db: Db, c_id: string): Promise<Catalog> {
  const concept = await loadConcept(db, c_id);
  const assetsOf = (kind: 'indexes' | 'rules') => {
    const table = assetTable(kind);
    return db.select().from(table).where(eq(table.conceptId, c_id)).orderBy(asc(table.createdAt), asc(table.name));
  };
  // Ties in creation time (rows written by one statement) fall back to the name, so the order is stable.
  const [indexes, rules, lfs] = await Promise.all([
    assetsOf('indexes'),
    assetsOf('rules'),
    db.select({
      id: labelingFunctions.id, name: labelingFunctions.name, lf_type: labelingFunctions.lfType,
      label: labelingFunctions.label, active: labelingFunctions.active,
      requires_approval: labelingFunctions.requiresApproval, version: labelingFunctions.version,
    }).from(labelingFunctions).where(eq(labelingFunctions.conceptId, c_id)).orderBy(asc(labelingFunctions.createdAt), asc(labelingFunctions.name)),
  ]);
  return {
    indexes: indexes.map((row) => toAsset(row, 'indexes')),
    rules: rules.map((row) => toAsset(row, 'rules')),
    labeling_functions: lfs.map((lf) => ({
      ...lf, lf_id: lf.id, is_active: lf.active, label_name: concept.values[lf.label] ?? null,
    })),
  };
}
