// Gold labels: the analyst's own labels for a few samples, the dev set that empirical accuracy and `auto` use.
import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { GoldLabel, GoldLabelsPut } from '../../shared/schema/gold-label.ts';
import { goldLabels } from '../db/schema.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import { loadConcept } from '../data/concepts.ts';
import { ConceptParams } from './concepts.ts';
import { resolveLabel } from './labeling-functions.ts';

const tags = ['gold labels'];
const list = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/gold-labels', tags, security: secured,
  request: { params: ConceptParams },
  responses: { 200: json(z.array(GoldLabel), 'Every gold label of the concept'), ...errors },
});
const put = createRoute({
  method: 'put', path: '/api/concepts/{c_id}/gold-labels', tags, security: secured,
  request: { params: ConceptParams, ...jsonBody(GoldLabelsPut) },
  responses: { 200: json(z.object({ saved: z.number(), removed: z.number() }), 'Labels set (or removed) in one transaction'), ...errors },
});

export const goldLabelRoutes = () => createRouter()
  .openapi(list, async (c) => {
    const { c_id } = c.req.valid('param');
    const { values } = await loadConcept(c.var.deps.db, c_id);
    const rows = await c.var.deps.db.select().from(goldLabels).where(eq(goldLabels.conceptId, c_id)).orderBy(asc(goldLabels.sampleKey));
    return c.json(rows.map((r) => ({
      sample_key: r.sampleKey, label: r.label, label_name: values[r.label]!, labeled_by: r.labeledBy, updated_at: iso(r.updatedAt)!,
    })), 200);
  })
  .openapi(put, async (c) => {
    const { c_id } = c.req.valid('param');
    const { labels } = c.req.valid('json');
    const db = c.var.deps.db;
    const { values } = await loadConcept(db, c_id);
    const set = labels.filter((l) => l.label !== null).map((l) => ({
      conceptId: c_id, sampleKey: l.sample_key, label: resolveLabel(l.label!, values), labeledBy: c.var.principal.name, updatedAt: new Date(),
    }));
    const removed = labels.filter((l) => l.label === null).map((l) => l.sample_key);
    await db.transaction(async (tx) => {
      if (set.length) {
        await tx.insert(goldLabels).values(set).onConflictDoUpdate({
          target: [goldLabels.conceptId, goldLabels.sampleKey],
          set: { label: sql`excluded.label`, labeledBy: sql`excluded.labeled_by`, updatedAt: sql`excluded.updated_at` },
        });
      }
      if (removed.length) await tx.delete(goldLabels).where(and(eq(goldLabels.conceptId, c_id), inArray(goldLabels.sampleKey, removed)));
    });
    return c.json({ saved: set.length, removed: removed.length }, 200);
  });
