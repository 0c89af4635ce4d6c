// needs: postgresql mariadb (vitest.config.ts skips this file when one is unreachable)
// Hostile SQL through the API (preview, save) against real PostgreSQL and MariaDB sources: each case gets a coded
// 4xx and leaves the source as it was. The source logins here are the machine's superuser and root, marked trusted
// writer roles by an admin, so what is tested is the guard and the transaction, not the role's lack of rights.
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, truncateAll } from '../db/test-databases.ts';
import type { Database } from '../db/client.ts';
import { createMysqlTestDb, type MysqlTestDb } from '../sources/mysql-test-db.ts';
import { createPgTestDb, type PgTestDb } from '../sources/pg-test-db.ts';
import { createTestApi, type TestApi } from '../testing.ts';

const pglite = backends()[0]!;
let database: Database;
let my: MysqlTestDb;
let pg: PgTestDb;
let api: TestApi;
let cId: string;
let myConn: string;
let pgConn: string;

beforeAll(async () => {
  database = await pglite.open();
  my = await createMysqlTestDb('hostile');
  await my.admin.query('CREATE TABLE t (id INT PRIMARY KEY, body TEXT); INSERT INTO t VALUES (1, \'a\'), (2, \'b\')');
  pg = await createPgTestDb('hostile');
  await pg.admin.unsafe(`
    CREATE TABLE t (id int PRIMARY KEY, body text);
    INSERT INTO t VALUES (1, 'a'), (2, 'b');
    -- A function the guard cannot see into, doing what a read-only transaction does not stop.
    CREATE FUNCTION import_collations() RETURNS int LANGUAGE sql AS $$ SELECT pg_import_system_collations('public') $$;
  `);
});

afterAll(async () => {
  await database?.close();
  await my?.drop();
  await pg?.drop();
});

beforeEach(async () => {
  await truncateAll(database);
  api = await createTestApi(database);
  cId = (await api.call('POST', '/api/concepts', { body: { name: 'c', values: ['A', 'B'] } })).body.c_id;
  myConn = (await api.call('POST', '/api/connections', {
    body: { name: 'maria', connection_type: 'mysql', host: my.config.host, port: my.config.port, database: my.config.database, username: 'root', trusted_writer_role: true },
  })).body.conn_id;
  pgConn = (await api.call('POST', '/api/connections', {
    body: { name: 'pg', connection_type: 'postgresql', host: pg.config.host, port: pg.config.port, database: pg.config.database, username: pg.config.username, trusted_writer_role: true },
  })).body.conn_id;
});

const preview = (connId: string, sql: string, as: 'analyst' | 'viewer' = 'analyst') =>
  api.call('POST', `/api/concepts/${cId}/indexes/preview`, { as, body: { conn_id: connId, sql_query: sql } });
const save = (connId: string, sql: string) =>
  api.call('POST', `/api/concepts/${cId}/indexes`, { as: 'analyst', body: { name: `ix_${randomBytes(3).toString('hex')}`, conn_id: connId, sql_query: sql } });

async function mariaUnchanged() {
  const [rows] = await my.admin.query('SELECT id, body FROM t ORDER BY id');
  expect(rows).toEqual([{ id: 1, body: 'a' }, { id: 2, body: 'b' }]);
}

describe('MariaDB executable comments and optimizer hints', () => {
  const hostname = '/etc/hostname';
  const cases = [
    `SELECT 1 AS id /*!, LOAD_FILE('${hostname}') AS f */`,
    `SELECT 1 AS id /*M!, LOAD_FILE('${hostname}') AS f */`,
    `SELECT 1 AS id /*m!100000 , LOAD_FILE('${hostname}') AS f */`,
    `SELECT 1 AS id /*!50000 , LOAD_FILE('${hostname}') AS f */`,
    // MySQL reads `--1` as minus minus one; the parser saw a comment and never the LOAD_FILE after it.
    `SELECT 1 --1, LOAD_FILE('${hostname}') AS f\n`,
    'SELECT /*+ MAX_EXECUTION_TIME(1) */ id FROM t',
    // Hidden in what a parser without backslash escapes takes for a string.
    `SELECT 'a\\' /*!, LOAD_FILE(\\'${hostname}\\') */' AS id`,
  ];

  it('refuses them in preview before the database sees them', async () => {
    for (const sql of cases) {
      const res = await preview(myConn, sql);
      expect(res.status, sql).toBe(400);
      expect(res.body.error.code, sql).toBe('SQL_EXECUTABLE_COMMENT');
      expect(res.body.error.message, sql).toMatch(/line 1, column \d+/);
      expect(res.text).not.toMatch(/"f"/);
    }
    await mariaUnchanged();
  });

  it('refuses to save them, so no materialization can write a file on the database host', async () => {
    const outfile = `/tmp/reef-outfile-${randomBytes(4).toString('hex')}`;
    const res = await save(myConn, `SELECT id FROM t /*!50000 INTO OUTFILE '${outfile}' */`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SQL_EXECUTABLE_COMMENT');
    expect((await api.call('GET', `/api/concepts/${cId}/indexes`)).body).toEqual([]);
    expect(existsSync(outfile)).toBe(false);
    const patched = await save(myConn, 'SELECT id FROM t');
    expect(patched.status).toBe(201);
    const edit = await api.call('PATCH', `/api/concepts/${cId}/indexes/${patched.body.id}`, { as: 'analyst', body: { sql_query: `SELECT id FROM t /*M! INTO OUTFILE '${outfile}' */` } });
    expect(edit.status).toBe(400);
    expect(edit.body.error.code).toBe('SQL_EXECUTABLE_COMMENT');
    expect(existsSync(outfile)).toBe(false);
  });

  it('refuses optimizer hints on PostgreSQL too, and still accepts ordinary comments', async () => {
    const hinted = await preview(pgConn, 'SELECT /*+ SeqScan(t) */ id FROM t');
    expect(hinted.status).toBe(400);
    expect(hinted.body.error.code).toBe('SQL_EXECUTABLE_COMMENT');
    const commented = await preview(myConn, 'SELECT id /* the key */ FROM t -- all rows\nORDER BY id');
    expect(commented.status).toBe(200);
    expect(commented.body.rows).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('preview leaves the source as it was', () => {
  const publicCollations = async () =>
    Number((await pg.admin`select count(*)::int as n from pg_collation where collnamespace = 'public'::regnamespace`)[0]!.n);
  const statsReset = async () =>
    String((await pg.admin`select stats_reset from pg_stat_database where datname = current_database()`)[0]!.stats_reset);

  it('rolls back what a function writes even in a read-only transaction', async () => {
    const res = await preview(pgConn, 'SELECT import_collations() AS imported');
    expect(res.status).toBe(200);
    expect(Number(res.body.rows[0].imported)).toBeGreaterThan(0);
    expect(await publicCollations()).toBe(0);
  });

  it('refuses pg_* admin functions whose effects no rollback undoes, and the source keeps its state', async () => {
    await pg.admin`select pg_stat_reset()`;
    const before = await statsReset();
    const slot = `reef_probe_${randomBytes(3).toString('hex')}`;
    for (const sql of [
      "select pg_import_system_collations('public')",
      'select pg_stat_reset()',
      'select 1 as id from t where pg_stat_reset_shared(\'bgwriter\') is null',
      `select * from pg_create_physical_replication_slot('${slot}')`,
      `select * from pg_catalog.pg_create_logical_replication_slot('${slot}', 'test_decoding')`,
      'select pg_advisory_lock(7)',
    ]) {
      const res = await preview(pgConn, sql);
      expect(res.status, sql).toBe(400);
      expect(res.body.error.code, sql).toBe('SQL_FORBIDDEN_CLAUSE');
      expect(res.body.error.message, sql).toMatch(/the function pg_\w+\(\) is not allowed/);
    }
    expect(await publicCollations()).toBe(0);
    expect(await statsReset()).toBe(before);
    expect(await pg.admin`select slot_name from pg_replication_slots where slot_name = ${slot}`).toHaveLength(0);
  });

  it('needs the analyst role to run a source query, by POST or by GET of a saved one', async () => {
    const saved = await save(pgConn, 'select id from t order by id');
    const path = `/api/concepts/${cId}/indexes/${saved.body.id}/preview`;
    const asViewer = await api.call('GET', path, { as: 'viewer' });
    expect(asViewer.status).toBe(403);
    expect(asViewer.body.error.code).toBe('FORBIDDEN');
    expect((await preview(pgConn, 'select 1 as id', 'viewer')).status).toBe(403);
    const asAnalyst = await api.call('GET', path, { as: 'analyst' });
    expect(asAnalyst.status).toBe(200);
    expect(asAnalyst.body.rows).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
