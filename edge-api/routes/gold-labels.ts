// Gold labels: the analyst's own labels for a few samples, the dev set that empirical accuracy and `auto` use.
import { createRoute, z } from '@hono/zod-openapi';
import { GoldLabel, GoldLabelsPut } from '../../shared/schema/gold-label.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import { loadConcept } from '../data/concepts.ts';
import { listGoldLabels, putGoldLabels } from '../data/gold-labels.ts';
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
    const rows = await listGoldLabels(c.var.deps.db, c_id);
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
    await putGoldLabels(db, c_id, set, removed);
    return c.json({ saved: set.length, removed: removed.length }, 200);
  });
