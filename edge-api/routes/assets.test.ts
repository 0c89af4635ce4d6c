import { beforeEach, describe, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { createTestApi, type TestApi } from '../testing.ts';

// Indexes and rules share one factory; the same suite runs for both, under each one's own path and id name.
const kinds = [
  { kind: 'indexes', idParam: 'index_id', singular: 'index' },
  { kind: 'rules', idParam: 'r_id', singular: 'rule' },
] as const;

describeDatabases('assets API', (database) => {
  let api: TestApi;
  let cId: string;
  const conn: Record<'postgresql' | 'mysql' | 'files', string> = { postgresql: '', mysql: '', files: '' };

  beforeEach(async () => {
    api = await createTestApi(database());
    cId = (await api.call('POST', '/api/concepts', { body: { name: 'spam', values: ['HAM', 'SPAM'] } })).body.c_id;
    for (const type of ['postgresql', 'mysql', 'files'] as const) {
      // The login is the OS user's (root on MariaDB): an admin vouches for it, as these tests are about assets.
      const body = { name: type, connection_type: type, ...(type === 'files' ? {} : { host: '127.0.0.1', trusted_writer_role: true }) };
      conn[type] = (await api.call('POST', '/api/connections', { body })).body.conn_id;
    }
  });

  for (const { kind, idParam, singular } of kinds) {
    describe(kind, () => {
      const base = () => `/api/concepts/${cId}/${kind}`;

      it(`creates, lists, gets, patches and deletes ${kind}`, async () => {
        const body = {
          name: 'messages', conn_id: conn.postgresql,
          sql_query: 'select id, body from messages where sent_at >= :since',
          query_template_params: { since: '2024-01-01' }, key_column: 'id',
          partition_type: 'time', partition_config: { column: 'sent_at', interval: 'month', start: '2024-01-01', end: '2025-01-01' },
        };
        const created = await api.call('POST', base(), { body });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          ...body, c_id: cId, is_materialized: false, row_count: null, storage_path: null,
          current_version_id: null, materialized_at: null,
        });
        const id = created.body.id;

        const minimal = await api.call('POST', base(), { body: { name: 'other', conn_id: conn.postgresql, sql_query: 'select 1 as id' } });
        expect(minimal.body).toMatchObject({ key_column: 'id', query_template_params: {}, partition_type: null, partition_config: null });

        const list = await api.call('GET', base(), { as: 'viewer' });
        expect(list.status).toBe(200);
        expect(list.body.map((a: { name: string }) => a.name)).toEqual(['messages', 'other']);
        expect((await api.call('GET', `${base()}/${id}`)).body).toEqual(created.body);

        const patched = await api.call('PATCH', `${base()}/${id}`, { body: { name: 'msgs', partition_type: null } });
        expect(patched.status).toBe(200);
        // What the patch leaves out keeps its value (no defaults creep in).
        expect(patched.body).toMatchObject({ name: 'msgs', partition_type: null, key_column: 'id', query_template_params: { since: '2024-01-01' }, sql_query: body.sql_query });

        expect((await api.call('DELETE', `${base()}/${id}`)).status).toBe(204);
        const gone = await api.call('GET', `${base()}/${id}`);
        expect(gone.status).toBe(404);
        expect(gone.body.error.message).toBe(`No ${singular} with id ${id}. List them to find the right id.`);
      });

      it('refuses SQL that is not one read-only SELECT, with the guard\'s code and message, and stores nothing', async () => {
        const drop = await api.call('POST', base(), { body: { name: 'x', conn_id: conn.postgresql, sql_query: 'DROP TABLE x' } });
        expect(drop.status).toBe(400);
        expect(drop.body.error.code).toBe('SQL_NOT_SELECT');
        expect(drop.body.error.message).toBe('A source query must be one read-only SELECT statement; this is a DROP.');

        const two = await api.call('POST', base(), { body: { name: 'x', conn_id: conn.postgresql, sql_query: 'SELECT 1; DELETE FROM t' } });
        expect(two.status).toBe(400);
        expect(two.body.error.code).toBe('SQL_NOT_SINGLE_STATEMENT');
        expect(two.body.error.message).toMatch(/remove the second statement/);

        const syntax = await api.call('POST', base(), { body: { name: 'x', conn_id: conn.postgresql, sql_query: 'SELEC id FROM t' } });
        expect(syntax.status).toBe(400);
        expect(syntax.body.error.code).toBe('SQL_SYNTAX');

        const writableCte = await api.call('POST', base(), { body: { name: 'x', conn_id: conn.postgresql, sql_query: 'with d as (delete from t returning *) select * from d' } });
        expect(writableCte.body.error.code).toBe('SQL_FORBIDDEN_CLAUSE');

        expect((await api.call('GET', base())).body).toEqual([]);
      });

      it('checks the SQL in the dialect of the connection', async () => {
        // MySQL quotes identifiers with backticks; PostgreSQL does not parse them.
        const sql = 'select `id`, `body` from messages';
        const onMysql = await api.call('POST', base(), { body: { name: 'm', conn_id: conn.mysql, sql_query: sql } });
        expect(onMysql.status).toBe(201);
        const onPostgres = await api.call('POST', base(), { body: { name: 'p', conn_id: conn.postgresql, sql_query: sql } });
        expect(onPostgres.status).toBe(400);
        expect(onPostgres.body.error.code).toBe('SQL_SYNTAX');

        // A files source is queried through DuckDB, which must not read arbitrary files.
        const onFiles = await api.call('POST', base(), { body: { name: 'f', conn_id: conn.files, sql_query: "select * from read_csv('/etc/passwd')" } });
        expect(onFiles.status).toBe(400);
        expect(onFiles.body.error.code).toBe('SQL_FORBIDDEN_CLAUSE');
        expect((await api.call('POST', base(), { body: { name: 'f', conn_id: conn.files, sql_query: 'select * from messages' } })).status).toBe(201);
      });

      it('re-checks the SQL when a patch changes the query or the connection, and keeps the old one on refusal', async () => {
        const { body: asset } = await api.call('POST', base(), { body: { name: 'm', conn_id: conn.mysql, sql_query: 'select `id` from t' } });
        const toPostgres = await api.call('PATCH', `${base()}/${asset.id}`, { body: { conn_id: conn.postgresql } });
        expect(toPostgres.status).toBe(400);
        expect(toPostgres.body.error.code).toBe('SQL_SYNTAX');
        const badSql = await api.call('PATCH', `${base()}/${asset.id}`, { body: { sql_query: 'delete from t' } });
        expect(badSql.status).toBe(400);
        expect(badSql.body.error.code).toBe('SQL_NOT_SELECT');
        const after = await api.call('GET', `${base()}/${asset.id}`);
        expect(after.body).toMatchObject({ conn_id: conn.mysql, sql_query: 'select `id` from t' });

        const both = await api.call('PATCH', `${base()}/${asset.id}`, { body: { conn_id: conn.postgresql, sql_query: 'select id from t' } });
        expect(both.status).toBe(200);
        expect(both.body).toMatchObject({ conn_id: conn.postgresql, sql_query: 'select id from t' });
      });

      it('refuses a partitioning the planner cannot split the query by, on create and on patch', async () => {
        const noBounds = await api.call('POST', base(), { body: { name: 'p', conn_id: conn.postgresql, sql_query: 'select id from t', partition_type: 'time', partition_config: { column: 'sent_at' } } });
        expect(noBounds.status).toBe(400);
        expect(noBounds.body.error).toMatchObject({ code: 'PARTITION_CONFIG_INVALID', message: 'partition_config.start is required (e.g. "2024-01-01").' });
        const noConfig = await api.call('POST', base(), { body: { name: 'p', conn_id: conn.postgresql, sql_query: 'select id from t', partition_type: 'categorical' } });
        expect(noConfig.status).toBe(400);
        expect(noConfig.body.error.code).toBe('PARTITION_CONFIG_INVALID');

        const ranged = { column: 'id', start: 0, end: 1_000, size: 100 };
        const { body: asset } = await api.call('POST', base(), { body: { name: 'p', conn_id: conn.postgresql, sql_query: 'select id from t', partition_type: 'id_range', partition_config: ranged } });
        expect(asset).toMatchObject({ partition_type: 'id_range', partition_config: ranged });
        // The patch is checked merged with the stored definition: a new type against the old config fails.
        const switched = await api.call('PATCH', `${base()}/${asset.id}`, { body: { partition_type: 'categorical' } });
        expect(switched.status).toBe(400);
        expect(switched.body.error.message).toMatch(/categorical needs "values"/);
        const both = await api.call('PATCH', `${base()}/${asset.id}`, { body: { partition_type: 'categorical', partition_config: { column: 'lang', values: ['en', 'de'] } } });
        expect(both.status).toBe(200);
        const unpartitioned = await api.call('PATCH', `${base()}/${asset.id}`, { body: { partition_type: null } });
        expect(unpartitioned.body).toMatchObject({ partition_type: null, partition_config: { column: 'lang', values: ['en', 'de'] } });
      });

      it('answers an unknown connection, concept or id, a taken name and a bad id with 4xx', async () => {
        const unknownConn = await api.call('POST', base(), { body: { name: 'x', conn_id: '00000000-0000-4000-8000-000000000000', sql_query: 'select 1' } });
        expect(unknownConn.status).toBe(400);
        expect(unknownConn.body.error.code).toBe('VALIDATION_FAILED');
        expect(unknownConn.body.error.message).toMatch(/^conn_id: there is no connection with id 00000000-0000-4000-8000-000000000000/);

        const unknownConcept = await api.call('POST', `/api/concepts/00000000-0000-4000-8000-000000000000/${kind}`, { body: { name: 'x', conn_id: conn.postgresql, sql_query: 'select 1' } });
        expect(unknownConcept.status).toBe(404);
        expect((await api.call('GET', `/api/concepts/00000000-0000-4000-8000-000000000000/${kind}`)).status).toBe(404);

        await api.call('POST', base(), { body: { name: 'dup', conn_id: conn.postgresql, sql_query: 'select 1 as id' } });
        const taken = await api.call('POST', base(), { body: { name: 'dup', conn_id: conn.postgresql, sql_query: 'select 2 as id' } });
        expect(taken.status).toBe(409);
        expect(taken.body.error).toMatchObject({ code: 'CONFLICT', message: 'That name is already taken; choose another.' });
        const { body: other } = await api.call('POST', '/api/concepts', { body: { name: 'other', values: ['A', 'B'] } });
        expect((await api.call('POST', `/api/concepts/${other.c_id}/${kind}`, { body: { name: 'dup', conn_id: conn.postgresql, sql_query: 'select 1 as id' } })).status).toBe(201);

        const badId = await api.call('GET', `${base()}/not-a-uuid`);
        expect([badId.status, badId.body.error.code]).toEqual([404, 'NOT_FOUND']);
        expect(badId.body.error.message).toMatch(new RegExp(`${idParam}: ${idParam} must be`));
        const missingSql = await api.call('POST', base(), { body: { name: 'x', conn_id: conn.postgresql } });
        expect(missingSql.status).toBe(400);
        expect(missingSql.body.error.message).toMatch(/^sql_query:/);
        const badParams = await api.call('POST', base(), { body: { name: 'x', conn_id: conn.postgresql, sql_query: 'select 1', query_template_params: { a: { nested: 1 } } } });
        expect(badParams.status).toBe(400);
        const viewer = await api.call('POST', base(), { as: 'viewer', body: { name: 'v', conn_id: conn.postgresql, sql_query: 'select 1' } });
        expect(viewer.status).toBe(403);
      });

      it(`does not reach another concept's ${kind} through the wrong concept`, async () => {
        const { body: asset } = await api.call('POST', base(), { body: { name: 'a', conn_id: conn.postgresql, sql_query: 'select 1 as id' } });
        const { body: other } = await api.call('POST', '/api/concepts', { body: { name: 'other', values: ['A', 'B'] } });
        expect((await api.call('GET', `/api/concepts/${other.c_id}/${kind}/${asset.id}`)).status).toBe(404);
        expect((await api.call('DELETE', `/api/concepts/${other.c_id}/${kind}/${asset.id}`)).status).toBe(404);
        expect((await api.call('GET', `${base()}/${asset.id}`)).status).toBe(200);
      });
    });
  }
});
