import { eq } from 'drizzle-orm';
import { beforeEach, expect, it } from 'vitest';
import { conceptIndexes, labelingFunctions } from '../db/schema.ts';
import { describeDatabases } from '../db/test-databases.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases('catalog API', (database) => {
  let api: TestApi;
  beforeEach(async () => { api = await createTestApi(database()); });

  it("lists a concept's indexes, rules and labeling functions in the seed's shape", async () => {
    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } });
    const { body: other } = await api.call('POST', '/api/concepts', { body: { name: 'other', values: ['A', 'B'] } });
    const { body: conn } = await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } });
    const asset = (name: string) => ({ name, conn_id: conn.conn_id, sql_query: 'select id, body from messages' });
    const { body: index } = await api.call('POST', `/api/concepts/${concept.c_id}/indexes`, { body: asset('messages') });
    await api.call('POST', `/api/concepts/${concept.c_id}/rules`, { body: asset('lengths') });
    await api.call('POST', `/api/concepts/${other.c_id}/indexes`, { body: asset('elsewhere') });
    // What a materialization leaves behind, written as the materializer would.
    await database().db.update(conceptIndexes).set({ isMaterialized: true, rowCount: 5_574, storagePath: `assets/${concept.c_id}/indexes/${index.id}/v1/` })
      .where(eq(conceptIndexes.id, index.id));
    await database().db.insert(labelingFunctions).values([
      { conceptId: concept.c_id, name: 'has_link', lfType: 'regex', config: { field: 'body', pattern: 'https?://', case_insensitive: false }, label: 1 },
      { conceptId: concept.c_id, name: 'custom', lfType: 'custom', config: { code: 'row => -1' }, label: 0, active: false, requiresApproval: true, version: 3 },
      { conceptId: other.c_id, name: 'elsewhere', lfType: 'regex', config: { field: 'body', pattern: 'x', case_insensitive: false }, label: 0 },
    ]);

    // The three LFs share one creation time (one statement), so they come in name order.
    const res = await api.call('GET', `/api/concepts/${concept.c_id}/catalog`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.indexes).toHaveLength(1);
    expect(res.body.indexes[0]).toMatchObject({
      id: index.id, name: 'messages', is_materialized: true, row_count: 5_574,
      storage_path: `assets/${concept.c_id}/indexes/${index.id}/v1/`, sql_query: 'select id, body from messages',
    });
    expect(res.body.rules.map((r: { name: string; is_materialized: boolean; row_count: number | null }) => [r.name, r.is_materialized, r.row_count]))
      .toEqual([['lengths', false, null]]);
    expect(res.body.labeling_functions).toEqual([
      { id: expect.any(String), lf_id: expect.any(String), name: 'custom', lf_type: 'custom', label: 0, label_name: 'HAM', active: false, is_active: false, requires_approval: true, version: 3 },
      { id: expect.any(String), lf_id: expect.any(String), name: 'has_link', lf_type: 'regex', label: 1, label_name: 'SPAM', active: true, is_active: true, requires_approval: false, version: 1 },
    ]);
  });

  it('gives an empty catalog for a new concept and 404 for an unknown one', async () => {
    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'empty', values: ['A', 'B'] } });
    expect((await api.call('GET', `/api/concepts/${concept.c_id}/catalog`)).body).toEqual({ indexes: [], rules: [], labeling_functions: [] });
    const missing = await api.call('GET', '/api/concepts/00000000-0000-4000-8000-000000000000/catalog');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await api.call('GET', `/api/concepts/${concept.c_id}/catalog`, { as: null })).status).toBe(401);
  });
});
