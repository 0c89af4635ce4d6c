import { beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { createTestApi, type TestApi } from '../testing.ts';

const graph = {
  nodes: [
    { id: 'n1', type: 'index', position: { x: 0, y: 0 }, data: { assetId: 'a' } },
    { id: 'n2', type: 'labelModel', position: { x: 200, y: 0 }, data: { kind: 'snorkel', epochs: 500 } },
  ],
  edges: [{ id: 'e1', source: 'n1', target: 'n2' }],
  viewport: { x: 0, y: 0, zoom: 1.5 },
};

describeDatabases('pipelines API', (database) => {
  let api: TestApi;
  let base: string;
  beforeEach(async () => {
    api = await createTestApi(database());
    const { body } = await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } });
    base = `/api/concepts/${body.c_id}/pipelines`;
  });

  it('stores the canvas graph whole under a name, and replaces it on the next save', async () => {
    const saved = await api.call('PUT', `${base}/main`, { body: graph });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ name: 'main', graph });
    // Fields the schema does not name (viewport, node data) come back exactly as sent.
    expect((await api.call('GET', `${base}/main`, { as: 'viewer' })).body.graph).toEqual(graph);

    const edited = { ...graph, edges: [] };
    const replaced = await api.call('PUT', `${base}/main`, { body: edited });
    expect(replaced.status).toBe(200);
    expect((await api.call('GET', `${base}/main`)).body.graph).toEqual(edited);
    expect(Date.parse(replaced.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(saved.body.updated_at));

    await api.call('PUT', `${base}/${encodeURIComponent('draft 2')}`, { body: { nodes: [], edges: [] } });
    const list = await api.call('GET', base);
    expect(list.body.map((p: { name: string }) => p.name)).toEqual(['draft 2', 'main']);
    expect((await api.call('GET', `${base}/${encodeURIComponent('draft 2')}`)).body.name).toBe('draft 2');
  });

  it('answers an invalid graph, an unknown pipeline or concept, and a viewer save with 4xx', async () => {
    const noSource = await api.call('PUT', `${base}/main`, { body: { nodes: [], edges: [{ id: 'e', target: 'n' }] } });
    expect(noSource.status).toBe(400);
    expect(noSource.body.error.message).toMatch(/^edges\.0\.source:/);
    expect((await api.call('PUT', `${base}/main`, { body: '{"nodes": [' })).body.error.code).toBe('MALFORMED_JSON');

    const missing = await api.call('GET', `${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/^This concept has no pipeline named "nope"/);
    const unknownConcept = await api.call('PUT', '/api/concepts/00000000-0000-4000-8000-000000000000/pipelines/main', { body: graph });
    expect(unknownConcept.status).toBe(404);
    expect((await api.call('PUT', `${base}/main`, { as: 'viewer', body: graph })).status).toBe(403);
    expect((await api.call('GET', base)).body).toEqual([]);
  });

  it('answers a NUL character in the graph with 400, not 500 (jsonb cannot store it)', async () => {
    const res = await api.call('PUT', `${base}/main`, { body: { nodes: [{ id: 'a\u0000b', type: 'index' }], edges: [] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/NUL character/) });
    expect((await api.call('GET', base)).body).toEqual([]);
  });

  it('deletes a pipeline, and a concept takes its pipelines with it', async () => {
    await api.call('PUT', `${base}/a`, { body: graph });
    await api.call('PUT', `${base}/b`, { body: graph });
    expect((await api.call('DELETE', `${base}/a`)).status).toBe(204);
    expect((await api.call('DELETE', `${base}/a`)).status).toBe(404);
    expect((await api.call('GET', base)).body.map((p: { name: string }) => p.name)).toEqual(['b']);
    const cId = base.split('/')[3];
    expect((await api.call('DELETE', `/api/concepts/${cId}`)).status).toBe(204);
    expect((await api.call('GET', base)).status).toBe(404);
  });
});
