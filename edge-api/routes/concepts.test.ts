import { beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases('concepts API', (database) => {
  let api: TestApi;
  beforeEach(async () => { api = await createTestApi(database()); });

  it('creates a concept with ordered values and reads it back', async () => {
    const created = await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'spam', values: ['HAM', 'SPAM'], description: null });
    const got = await api.call('GET', `/api/concepts/${created.body.c_id}`, { as: 'viewer' });
    expect(got.body.values).toEqual(['HAM', 'SPAM']);
    const list = await api.call('GET', '/api/concepts');
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['spam']);
  });

  it('refuses fewer than two values, duplicates, and a taken name with a code', async () => {
    const one = await api.call('POST', '/api/concepts', { body: { name: 'x', values: ['A'] } });
    expect(one.status).toBe(400);
    expect(one.body.error.code).toBe('VALIDATION_FAILED');
    expect(one.body.error.message).toMatch(/at least two values/);
    const dup = await api.call('POST', '/api/concepts', { body: { name: 'x', values: ['A', 'A'] } });
    expect(dup.status).toBe(400);
    await api.call('POST', '/api/concepts', { body: { name: 'x', values: ['A', 'B'] } });
    const taken = await api.call('POST', '/api/concepts', { body: { name: 'x', values: ['A', 'B'] } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('CONFLICT');
  });

  it('answers malformed JSON, unknown ids, and oversized bodies with 4xx, never 5xx', async () => {
    const malformed = await api.call('POST', '/api/concepts', { body: '{"name": "x", values: [' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
    const missing = await api.call('GET', '/api/concepts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const notUuid = await api.call('GET', '/api/concepts/not-a-uuid');
    expect([notUuid.status, notUuid.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const huge = await api.call('POST', '/api/concepts', { body: { name: 'big', values: ['A', 'B'], description: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('needs a token, and the analyst role to write', async () => {
    expect((await api.call('GET', '/api/concepts', { as: null })).status).toBe(401);
    const wrong = await api.call('GET', '/api/concepts', { as: null, headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    const viewerWrite = await api.call('POST', '/api/concepts', { as: 'viewer', body: { name: 'v', values: ['A', 'B'] } });
    expect(viewerWrite.status).toBe(403);
    expect(viewerWrite.body.error.code).toBe('FORBIDDEN');
    expect((await api.call('GET', '/api/concepts', { as: 'viewer' })).status).toBe(200);
  });

  it('patches and deletes, leaving nothing behind', async () => {
    const { body } = await api.call('POST', '/api/concepts', { body: { name: 'a', values: ['A', 'B'] } });
    const patched = await api.call('PATCH', `/api/concepts/${body.c_id}`, { body: { description: 'about a' } });
    expect(patched.body.description).toBe('about a');
    expect((await api.call('DELETE', `/api/concepts/${body.c_id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/concepts/${body.c_id}`)).status).toBe(404);
  });
});
