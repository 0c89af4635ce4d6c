// needs: postgresql (vitest.config.ts skips this file when one is unreachable)
// The seed design's own requests, sent as the seed writes them (its field names, its paths without /api, its
// Jinja-style templates): each must succeed and answer with the seed's field names beside Reef's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { createPgTestDb, type PgTestDb } from '../sources/pg-test-db.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createTestApi, type TestApi } from '../testing.ts';

describeDatabases("the seed's requests", (database) => {
  const dir = mkdtempSync(join(tmpdir(), 'reef-seed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let api: TestApi;
  let cId: string;

  beforeEach(async () => {
    api = await createTestApi(database(), { store: new LocalObjectStore(dir) });
    cId = (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } })).body.c_id;
  });

  it('gives concept values the ids (cv_id) seed bodies name classes by, in vote order', async () => {
    const concept = await api.call('GET', `/concepts/${cId}`);
    expect(concept.status).toBe(200);
    expect(concept.body.concept_values).toEqual([
      { cv_id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'HAM', position: 0 },
      { cv_id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'SPAM', position: 1 },
    ]);
  });

  it("answers the seed's paths without /api with JSON, and a browser asking for a page with the page route", async () => {
    const catalog = await api.call('GET', `/concepts/${cId}/catalog`);
    expect(catalog.status).toBe(200);
    expect(catalog.body).toMatchObject({ indexes: [], rules: [] });
    const noToken = await api.call('GET', `/concepts/${cId}/catalog`, { as: null });
    expect([noToken.status, noToken.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    // A page navigation is left to whatever serves the studio (here nothing: the JSON 404 of the bare app).
    const page = await api.call('GET', `/concepts/${cId}`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    expect(page.body?.c_id).toBeUndefined();
  });

  it('answers a non-UUID id with 404 and the JSON error, on both path styles', async () => {
    for (const path of ['/api/concepts/42', '/concepts/42/catalog', '/dagster/runs/7', `/api/concepts/${cId}/indexes/abc`]) {
      const res = await api.call('GET', path);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
  });

  it('creates an index over {{ name }} template parameters, binds them, and answers with index_id', async () => {
    const conn = await api.call('POST', '/connections', { body: { name: 'uploads', connection_type: 'files' } });
    expect(conn.status).toBe(201);
    const csv = 'id,text,score\n1,hello,0.5\n2,buy now,1.5\n3,bye,2.5\n';
    await api.call('POST', `/api/connections/${conn.body.conn_id}/files?name=notes.csv`, { body: csv, headers: { 'Content-Type': 'text/csv' } });
    const body = {
      name: 'scored notes', conn_id: conn.body.conn_id,
      sql_query: "SELECT id, text FROM notes WHERE score >= {{ min_score }} AND text <> '{{ skip }}' ORDER BY id",
      query_template_params: { min_score: 1, skip: 'bye' },
    };
    const index = await api.call('POST', `/concepts/${cId}/indexes`, { body });
    expect(index.status).toBe(201);
    expect(index.body).toMatchObject({ index_id: index.body.id, is_materialized: false });
    const preview = await api.call('GET', `/concepts/${cId}/indexes/${index.body.index_id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.rows).toEqual([{ id: '2', text: 'buy now' }]);
    const rule = await api.call('POST', `/concepts/${cId}/rules`, { body: { ...body, name: 'a rule' } });
    expect(rule.body).toMatchObject({ r_id: rule.body.id });
    const catalog = await api.call('GET', `/concepts/${cId}/catalog`);
    expect(catalog.body.indexes[0]).toMatchObject({ index_id: index.body.id, is_materialized: false });
    expect(catalog.body.rules[0]).toMatchObject({ r_id: rule.body.id });
  });

  it("accepts the seed's LF bodies: cv_id for the class, template's kind, a Python custom LF with allowed_imports", { timeout: 180_000 }, async () => {
    const [ham, spam] = (await api.call('GET', `/api/concepts/${cId}`)).body.concept_values;
    const base = `/api/concepts/${cId}/labeling-functions`;
    const template = await api.call('POST', `${base}/template`, { body: { name: 'short', cv_id: ham.cv_id, template: 'keyword', field: 'text', operator: 'contains', value: 'thanks' } });
    expect(template.status).toBe(201);
    expect(template.body).toMatchObject({ label: 0, label_name: 'HAM', cv_id: ham.cv_id, is_active: true, lf_config: { template: 'keyword', field: 'text' } });
    const regex = await api.call('POST', `${base}/regex`, { body: { name: 'link', cv_id: spam.cv_id, field: 'text', pattern: 'http' } });
    expect([regex.status, regex.body.label]).toEqual([201, 1]);
    const python = await api.call('POST', `${base}/custom`, {
      body: { name: 'py_link', cv_id: spam.cv_id, allowed_imports: ['re'], code: 'import re\ndef lf(x):\n    return SPAM if re.search("http", x.text or "") else ABSTAIN\n' },
    });
    expect(python.status).toBe(201);
    expect(python.body).toMatchObject({ lf_config: { language: 'python', allowed_imports: ['re'] }, is_active: false, requires_approval: true });
    // Wrong class ids, disagreeing names, imports outside what Pyodide may offer, and code that cannot load are 400s.
    const bad = [
      { name: 'x', cv_id: '00000000-0000-4000-8000-000000000000', field: 'text', pattern: 'a' },
      { name: 'x', cv_id: ham.cv_id, label: 'SPAM', field: 'text', pattern: 'a' },
      { name: 'x', field: 'text', pattern: 'a' },
    ];
    for (const body of bad) expect((await api.call('POST', `${base}/regex`, { body })).status).toBe(400);
    const os = await api.call('POST', `${base}/custom`, { body: { name: 'x', label: 1, allowed_imports: ['os'], code: 'def lf(x):\n    return ABSTAIN\n' } });
    expect([os.status, os.body.error.code]).toEqual([400, 'PYTHON_LF_INVALID']);
    const syntax = await api.call('POST', `${base}/custom`, { body: { name: 'x', label: 1, language: 'python', code: 'def lf(x)\n    return ABSTAIN\n' } });
    expect([syntax.status, syntax.body.error.code]).toEqual([400, 'PYTHON_LF_INVALID']);
    expect(syntax.body.error.message).toContain('SyntaxError');
    // A change to the imports is a change an approver must see again.
    await api.call('POST', `${base}/${python.body.lf_id}/approve`, { body: {} });
    const patched = await api.call('PATCH', `${base}/${python.body.lf_id}`, { body: { allowed_imports: ['re', 'math'] } });
    expect(patched.body).toMatchObject({ version: 2, active: false, requires_approval: true });
  });

  it('refuses an unknown connection field by name instead of dropping it', async () => {
    const res = await api.call('POST', '/connections', { body: { name: 'x', connection_type: 'files', usr: 'me' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/usr/);
    const both = await api.call('POST', '/connections', { body: { name: 'y', connection_type: 'postgresql', host: 'h', user: 'a', username: 'b' } });
    expect([both.status, both.body.error.message]).toEqual([400, expect.stringMatching(/user .* and username/)]);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("the seed's connection body on a real PostgreSQL", () => {
  let source: PgTestDb;
  const role = `reef_seed_${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    source = await createPgTestDb('seed');
    await source.admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
    await source.admin.unsafe(`CREATE TABLE t (id int); GRANT SELECT ON t TO ${role}`);
  });
  afterAll(async () => {
    await source.admin.unsafe(`DROP OWNED BY ${role}`);
    await source.drop();
    const { default: postgres } = await import('postgres');
    const server = postgres({ ...source.config, database: 'postgres', max: 1 });
    await server.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await server.end();
  });

  describeDatabases('seed connection', (database) => {
    it('keeps the seed\'s "user" as the login, so the connection test logs in', async () => {
      const api = await createTestApi(database());
      const { host, port, database: db } = source.config;
      const created = await api.call('POST', '/connections', {
        body: { name: 'warehouse', connection_type: 'postgresql', host, port, database: db, user: role, password: 'pw' },
      });
      expect(created.status).toBe(201);
      expect(created.body.username).toBe(role);
      const tested = await api.call('POST', `/api/connections/${created.body.conn_id}/test`);
      expect(tested.body).toMatchObject({ ok: true });
    });
  });
});
