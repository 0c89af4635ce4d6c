import { beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases('gold labels API', (database) => {
  let api: TestApi;
  let cId: string;
  beforeEach(async () => {
    api = await createTestApi(database());
    cId = (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } })).body.c_id;
  });

  it('sets labels by position or name, overwrites, and removes with null', async () => {
    const first = await api.call('PUT', `/api/concepts/${cId}/gold-labels`, { as: 'analyst', body: { labels: [{ sample_key: 1, label: 'SPAM' }, { sample_key: '2', label: 0 }] } });
    expect(first.body).toEqual({ saved: 2, removed: 0 });
    await api.call('PUT', `/api/concepts/${cId}/gold-labels`, { body: { labels: [{ sample_key: '1', label: 'HAM' }, { sample_key: '2', label: null }] } });
    const list = await api.call('GET', `/api/concepts/${cId}/gold-labels`, { as: 'viewer' });
    expect(list.body.map((g: { sample_key: string; label_name: string }) => [g.sample_key, g.label_name])).toEqual([['1', 'HAM']]);
  });

  it('refuses a label outside the concept without saving any of the batch', async () => {
    const bad = await api.call('PUT', `/api/concepts/${cId}/gold-labels`, { body: { labels: [{ sample_key: 'a', label: 'SPAM' }, { sample_key: 'b', label: 'EGGS' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_LABEL');
    expect((await api.call('GET', `/api/concepts/${cId}/gold-labels`)).body).toEqual([]);
  });
});
