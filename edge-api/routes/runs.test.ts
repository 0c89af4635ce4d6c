import { beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { createRun, recordRunEvent, transitionRun } from '../runs/run-store.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases('runs API', (database) => {
  let api: TestApi;
  beforeEach(async () => { api = await createTestApi(database()); });

  it('reports a run, and cancels it only while it has not finished', async () => {
    const run = await createRun(database().db, { kind: 'materialize', params: { asset: 'x' } });
    const got = await api.call('GET', `/api/runs/${run.id}`, { as: 'viewer' });
    expect(got.body).toMatchObject({ run_id: run.id, kind: 'materialize', status: 'PENDING', params: { asset: 'x' } });
    const canceled = await api.call('POST', `/api/runs/${run.id}/cancel`);
    expect(canceled.body.status).toBe('CANCELED');
    expect(await transitionRun(database().db, run.id, ['PENDING', 'RUNNING'], 'SUCCESS')).toBe(false);
    expect((await api.call('GET', `/api/runs/${run.id}`)).body.status).toBe('CANCELED');
    expect((await api.call('GET', '/api/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('streams progress events as Server-Sent Events until the run ends', async () => {
    const db = database().db;
    const run = await createRun(db, { kind: 'materialize', params: {} });
    await transitionRun(db, run.id, ['PENDING'], 'RUNNING');
    const res = await api.app.request(`/api/runs/${run.id}/events`, { headers: { Authorization: `Bearer ${api.tokens.viewer}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    setTimeout(async () => {
      await recordRunEvent(db, run.id, 'rows', { rows: 500 });
      await transitionRun(db, run.id, ['RUNNING'], 'SUCCESS');
    }, 300);
    const text = await res.text();
    const kinds = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(kinds).toEqual(['created', 'status', 'rows', 'status', 'end']);
    expect(text).toContain('"rows":500');
    expect(text).toContain('"status":"SUCCESS"');
  });
});
