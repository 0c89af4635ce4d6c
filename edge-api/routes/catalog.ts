// The catalog: what a concept's pipelines can be built from, in the seed's shape, in one request.
import { createRoute } from '@hono/zod-openapi';
import { Catalog } from '../../shared/schema/asset.ts';
import type { Db } from '../db/client.ts';
import { createRouter, errors, json, secured } from '../router.ts';
import { toAsset } from './assets.ts';
import { loadCatalogRows } from '../data/catalog.ts';
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
  const { concept, indexes, rules, lfs } = await loadCatalogRows(db, c_id);
  return {
    indexes: indexes.map((row) => toAsset(row, 'indexes')),
    rules: rules.map((row) => toAsset(row, 'rules')),
    labeling_functions: lfs.map((lf) => ({
      ...lf, lf_id: lf.id, is_active: lf.active, label_name: concept.values[lf.label] ?? null,
    })),
  };
}
