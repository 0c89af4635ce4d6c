// Hostile HTTP input against a real server (Hono on Node's HTTP server, a real database, a local object store):
// bodies nested thousands of levels, over-long file names, files that are not what their name says, bodies sent
// to routes that take none, unknown API paths. Each must end as a 4xx in the JSON error shape, never a 500, a
// dropped connection, the studio's HTML or a server path in a message.
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDatabases } from './db/test-databases.ts';
import { mountWebApp } from './node.ts';
import { filesPrefix } from './sources/from-connection.ts';
import { LocalObjectStore } from './storage/local.ts';
import { createTestApi, type TestApi } from './testing.ts';

/** `{"a":{"a":…1…}}`, `depth` objects deep. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string; body: any }

describeDatabases('hostile HTTP input', (database) => {
  let api: TestApi;
  let server: ServerType;
  let base: string;
  let scratch: string;
  let store: LocalObjectStore;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'reef-hostile-'));
    writeFileSync(join(scratch, 'index.html'), '<!doctype html><title>Reef</title>');
    store = new LocalObjectStore(join(scratch, 'store'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeEach(async () => {
    server?.close();
    api = await createTestApi(database(), { store });
    mountWebApp(api.app, scratch);
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return () => { server.close(); };
  });

  /** One request over a real socket with node:http, which (unlike fetch) sends a body with any method. */
  function send(method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${api.tokens.admin}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }),
          ...headers,
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try { parsed = JSON.parse(text); } catch { parsed = undefined; }
          resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const expectError = (answer: Answer, status: number, code: string) => {
    expect(answer.status, answer.text.slice(0, 300)).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  };

  async function concept(): Promise<string> {
    return (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } })).body.c_id;
  }

  async function filesConnection(): Promise<string> {
    return (await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } })).body.conn_id;
  }

  it('answers a pipeline body nested 5,000 levels with 400 JSON_TOO_DEEP, and keeps accepting 64 levels', async () => {
    const c = await concept();
    const deep = `{"nodes":[],"edges":[],"viewport":${nested(5_000)}}`;
    expectError(await send('PUT', `/api/concepts/${c}/pipelines/main`, deep), 400, 'JSON_TOO_DEEP');
    expectError(await send('PUT', `/api/concepts/${c}/pipelines/main`, `{"nodes":[],"edges":[],"viewport":${nested(64)}}`), 400, 'JSON_TOO_DEEP');
    const fine = await send('PUT', `/api/concepts/${c}/pipelines/main`, `{"nodes":[],"edges":[],"viewport":${nested(62)}}`);
    expect(fine.status, fine.text).toBe(200);
    // Brackets inside strings are text, not depth.
    const text = await send('PUT', `/api/concepts/${c}/pipelines/text`, JSON.stringify({ nodes: [], edges: [], viewport: { note: '{['.repeat(5_000) } }));
    expect(text.status, text.text).toBe(200);
    expect((await api.call('GET', `/api/concepts/${c}/pipelines`)).body.map((p: { name: string }) => p.name)).toEqual(['main', 'text']);
  });

  it('answers an index whose partition_config is nested 5,000 levels with 400 JSON_TOO_DEEP', async () => {
    const c = await concept();
    const conn = await filesConnection();
    const body = `{"name":"deep","conn_id":"${conn}","sql_query":"SELECT 1 AS id","partition_type":"categorical","partition_config":${nested(5_000)}}`;
    expectError(await send('POST', `/api/concepts/${c}/indexes`, body), 400, 'JSON_TOO_DEEP');
    expect((await api.call('GET', `/api/concepts/${c}/indexes`)).body).toEqual([]);
  });

  it('answers an upload named with 300 characters with 400, not ENAMETOOLONG', async () => {
    const conn = await filesConnection();
    const answer = await send('POST', `/api/connections/${conn}/files?name=${'a'.repeat(296)}.csv`, 'id,text\n1,hi\n', { 'Content-Type': 'text/csv' });
    expectError(answer, 400, 'VALIDATION_FAILED');
    expect(answer.body.error.message).toMatch(/at most 128 characters/);
  });

  it('refuses files that are not what their name says (400 UPLOAD_INVALID), and the connection keeps working', async () => {
    const conn = await filesConnection();
    const upload = (name: string, bytes: string | Uint8Array) =>
      send('POST', `/api/connections/${conn}/files?name=${name}`, bytes, { 'Content-Type': 'application/octet-stream' });
    const good = await upload('comments.csv', 'id,text\n1,check out my channel\n2,nice song\n');
    expect(good.status, good.text).toBe(201);

    expectError(await upload('data.parquet', 'not pq!'), 400, 'UPLOAD_INVALID');
    expectError(await upload('magic.parquet', new Uint8Array([...Buffer.from('PAR1'), 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, ...Buffer.from('PAR1')])), 400, 'UPLOAD_INVALID');
    expectError(await upload('empty.csv', ''), 400, 'UPLOAD_INVALID');
    expectError(await upload('binary.csv', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), 400, 'UPLOAD_INVALID');
    const parquetAsCsv = await upload('rows.csv', await parquetBytes(scratch));
    expectError(parquetAsCsv, 400, 'UPLOAD_INVALID');
    expect(parquetAsCsv.body.error.message).toMatch(/Parquet/);
    // A refused upload leaves nothing behind, not even over a good file of the same name.
    expectError(await upload('comments.csv', new Uint8Array([0, 1, 2, 3])), 400, 'UPLOAD_INVALID');
    expect((await api.call('GET', `/api/connections/${conn}/files`)).body.map((f: { name: string }) => f.name)).toEqual(['comments.csv']);
    expect((await store.list('')).map((o) => o.key)).toEqual([`${filesPrefix(conn)}comments.csv`]);

    const real = await upload('events.parquet', await parquetBytes(scratch));
    expect(real.status, real.text).toBe(201);
    const schema = await api.call('GET', `/api/connections/${conn}/schema`);
    expect(schema.status, schema.text).toBe(200);
    expect(schema.text).toContain('events');
    expect(schema.text).toContain('comments');
  });

  it('never puts a server path in an error: a broken file already in the store', async () => {
    const conn = await filesConnection();
    await store.put(`${filesPrefix(conn)}broken.parquet`, 'not pq!');
    const schema = await api.call('GET', `/api/connections/${conn}/schema`);
    expect(schema.status).toBeGreaterThanOrEqual(400);
    expect(schema.status).toBeLessThan(500);
    expect(schema.body.error.message).toContain('broken.parquet');
    expect(schema.text).not.toContain(scratch);
    expect(schema.text).not.toMatch(/\/tmp\/|\/work\//);
  });

  it('answers an unknown /api path with 404 in the JSON error shape, not the studio\'s HTML', async () => {
    expectError(await send('GET', '/api/no-such-thing'), 404, 'NOT_FOUND');
    expectError(await send('GET', '/api/concepts/x/y/z/w'), 404, 'NOT_FOUND');
    const page = await send('GET', '/catalog', undefined, { Accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Reef</title>');
  });

  it('answers a ~700 KB body sent to routes that take none with 413, over a connection that stays usable', async () => {
    const c = await concept();
    const big = JSON.stringify({ filler: 'x'.repeat(700_000) });
    expectError(await send('GET', '/api/concepts', big), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await send('DELETE', `/api/concepts/${c}`, big), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await send('GET', `/api/concepts/${c}/catalog`, big), 413, 'PAYLOAD_TOO_LARGE');
    // Nothing was deleted, and the server still answers.
    expect((await send('GET', `/api/concepts/${c}`)).status).toBe(200);
    // An empty body is no body.
    expect((await send('GET', '/api/concepts', '')).status).toBe(200);
  });

  it('answers a body over the 1 MB limit with 413 the client can read, not a dropped connection', async () => {
    const c = await concept();
    const huge = JSON.stringify({ nodes: [], edges: [], viewport: { filler: 'x'.repeat(3_000_000) } });
    expectError(await send('PUT', `/api/concepts/${c}/pipelines/main`, huge), 413, 'PAYLOAD_TOO_LARGE');
    expect((await send('GET', `/api/concepts/${c}/pipelines`)).status).toBe(200);
  });
});

/** A real Parquet file of two rows, written by DuckDB. */
async function parquetBytes(dir: string): Promise<Uint8Array> {
  const path = join(dir, 'real.parquet');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`COPY (SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(id, text)) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  const { readFileSync } = await import('node:fs');
  return new Uint8Array(readFileSync(path));
}
