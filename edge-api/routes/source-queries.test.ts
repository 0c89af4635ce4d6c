import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases('previews, schema and file uploads of a files connection', (database) => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-preview-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let api: TestApi;
  let cId: string;
  let connId: string;

  beforeEach(async () => {
    api = await createTestApi(database(), { store: new LocalObjectStore(dir) });
    cId = (await api.call('POST', '/api/concepts', { body: { name: 'c', values: ['A', 'B'] } })).body.c_id;
    connId = (await api.call('POST', '/api/connections', { body: { name: 'uploads', connection_type: 'files' } })).body.conn_id;
    const csv = 'id,text,score\n1,hello,0.5\n2,"with, comma",1.5\n3,,\n';
    const upload = await api.call('POST', `/api/connections/${connId}/files?name=notes.csv`, { body: csv, headers: { 'Content-Type': 'text/csv' } });
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ name: 'notes.csv', table: 'notes', bytes: csv.length });
  });

  it('previews the first rows with their column types, without saving anything', async () => {
    const res = await api.call('POST', `/api/concepts/${cId}/indexes/preview`, { body: { conn_id: connId, sql_query: 'SELECT * FROM notes ORDER BY id', limit: 2 } });
    expect(res.status).toBe(200);
    expect(res.body.columns.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([['id', 'BIGINT'], ['text', 'VARCHAR'], ['score', 'DOUBLE']]);
    expect(res.body.rows).toEqual([{ id: '1', text: 'hello', score: 0.5 }, { id: '2', text: 'with, comma', score: 1.5 }]);
    expect((await api.call('GET', `/api/concepts/${cId}/indexes`)).body).toEqual([]);
  });

  it('refuses what is not one SELECT before it reaches the source, and explains a source error', async () => {
    const write = await api.call('POST', `/api/concepts/${cId}/rules/preview`, { body: { conn_id: connId, sql_query: 'SELECT 1; DROP TABLE notes' } });
    expect(write.status).toBe(400);
    expect(write.body.error.code).toBe('SQL_NOT_SINGLE_STATEMENT');
    const missing = await api.call('POST', `/api/concepts/${cId}/rules/preview`, { body: { conn_id: connId, sql_query: 'SELECT nope FROM notes' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('SOURCE_ERROR');
    expect(missing.body.error.message).toMatch(/nope/);
  });

  it('lists the tables and columns for the editor, and the uploaded files', async () => {
    const schema = await api.call('GET', `/api/connections/${connId}/schema`, { as: 'viewer' });
    expect(schema.body).toEqual([expect.objectContaining({ name: 'notes', columns: [{ name: 'id', type: 'BIGINT' }, { name: 'text', type: 'VARCHAR' }, { name: 'score', type: 'DOUBLE' }] })]);
    const files = await api.call('GET', `/api/connections/${connId}/files`);
    expect(files.body.map((f: { table: string }) => f.table)).toEqual(['notes']);
  });

  it('refuses file names that are not a table name with .csv or .parquet', async () => {
    const bad = await api.call('POST', `/api/connections/${connId}/files?name=../../etc.csv`, { body: 'a\n1\n', headers: { 'Content-Type': 'text/csv' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/comments\.csv/);
  });
});
