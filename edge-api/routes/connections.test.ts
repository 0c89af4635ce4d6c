// needs: postgresql mariadb (vitest.config.ts skips this file when one is unreachable)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { databaseConnections } from '../db/schema.ts';
import { backends, createThrowawayPostgres, describeDatabases, testDatabaseUrl, truncateAll } from '../db/test-databases.ts';
import { openSecret, sealSecret } from '../security/secrets.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { createTestApi, TEST_SECRET, type TestApi } from '../testing.ts';

const PASSWORD = 'hunter2-never-echo-Zq81';
// The machine's PostgreSQL (trust auth) and MariaDB (root, no password), as the team's rules describe them, reached
// with a login of this file's own that may only read (superusers and root are refused by the writer-role check).
const READER = `reef_conn_reader_${randomBytes(3).toString('hex')}`;
const postgresSource = { name: 'warehouse', connection_type: 'postgresql', host: '127.0.0.1', port: 5432, database: 'postgres', username: READER, password: PASSWORD };
const mysqlSource = { name: 'shop', connection_type: 'mysql', host: '127.0.0.1', port: 3306, username: READER };
const pgServer = () => postgres({ host: '127.0.0.1', port: 5432, username: 'postgres', database: 'postgres', max: 1, onnotice: () => {} });
const mysqlServer = () => mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', multipleStatements: true });

beforeAll(async () => {
  const pg = pgServer();
  await pg.unsafe(`CREATE ROLE ${READER} LOGIN`);
  await pg.end();
  const my = await mysqlServer();
  await my.query(`CREATE USER '${READER}'@'%'`);
  await my.end();
});
afterAll(async () => {
  const pg = pgServer();
  await pg.unsafe(`DROP ROLE IF EXISTS ${READER}`);
  await pg.end();
  const my = await mysqlServer();
  await my.query(`DROP USER IF EXISTS '${READER}'@'%'`);
  await my.end();
});

describeDatabases('connections API', (database) => {
  let api: TestApi;
  beforeEach(async () => { api = await createTestApi(database()); });

  it('stores the password sealed and never returns it, in any response', async () => {
    const created = await api.call('POST', '/api/connections', { body: postgresSource });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'warehouse', connection_type: 'postgresql', host: '127.0.0.1', port: 5432, username: READER, has_password: true });
    expect(created.body).not.toHaveProperty('password');
    expect(created.body).not.toHaveProperty('encrypted_password');
    const id = created.body.conn_id;

    const [row] = await database().db.select().from(databaseConnections).where(eq(databaseConnections.id, id));
    expect(row!.encryptedPassword).not.toContain(PASSWORD);
    expect(await openSecret(row!.encryptedPassword!, TEST_SECRET)).toBe(PASSWORD);

    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'c', values: ['A', 'B'] } });
    await api.call('POST', `/api/concepts/${concept.c_id}/indexes`, { body: { name: 'ix', conn_id: id, sql_query: 'select 1 as id' } });
    const responses = [
      created,
      await api.call('GET', `/api/connections/${id}`),
      await api.call('GET', '/api/connections', { as: 'viewer' }),
      await api.call('PATCH', `/api/connections/${id}`, { body: { port: 5432, password: PASSWORD } }),
      await api.call('POST', `/api/connections/${id}/test`),
      await api.call('GET', `/api/concepts/${concept.c_id}/catalog`),
      await api.call('GET', `/api/concepts/${concept.c_id}/indexes`),
    ];
    for (const res of responses) {
      expect(res.status).toBeLessThan(300);
      expect(res.text).not.toContain(PASSWORD);
    }
  });

  it('lists, gets, patches (keeping, replacing or clearing the password) and deletes', async () => {
    const { body: a } = await api.call('POST', '/api/connections', { body: postgresSource });
    await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } });
    const list = await api.call('GET', '/api/connections');
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['warehouse', 'files']);
    expect(list.body[1]).toMatchObject({ host: null, port: null, has_password: false });

    const renamed = await api.call('PATCH', `/api/connections/${a.conn_id}`, { body: { name: 'dwh', database: 'analytics' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'dwh', database: 'analytics', host: '127.0.0.1', has_password: true });
    const [kept] = await database().db.select().from(databaseConnections).where(eq(databaseConnections.id, a.conn_id));
    expect(await openSecret(kept!.encryptedPassword!, TEST_SECRET)).toBe(PASSWORD);

    await api.call('PATCH', `/api/connections/${a.conn_id}`, { body: { password: 'other' } });
    const [replaced] = await database().db.select().from(databaseConnections).where(eq(databaseConnections.id, a.conn_id));
    expect(await openSecret(replaced!.encryptedPassword!, TEST_SECRET)).toBe('other');

    const cleared = await api.call('PATCH', `/api/connections/${a.conn_id}`, { body: { password: null } });
    expect(cleared.body.has_password).toBe(false);

    expect((await api.call('DELETE', `/api/connections/${a.conn_id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/connections/${a.conn_id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/connections/${a.conn_id}`)).status).toBe(404);
  });

  it('refuses bad bodies, a taken name and unknown ids with 4xx and a code', async () => {
    const noHost = await api.call('POST', '/api/connections', { body: { name: 'x', connection_type: 'postgresql' } });
    expect(noHost.status).toBe(400);
    expect(noHost.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'host: a postgresql connection needs a host' });
    const badType = await api.call('POST', '/api/connections', { body: { name: 'x', connection_type: 'oracle', host: 'h' } });
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toMatch(/^connection_type:/);
    const badPort = await api.call('POST', '/api/connections', { body: { ...postgresSource, port: 70_000 } });
    expect(badPort.status).toBe(400);

    const { body: files } = await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } });
    const toPostgresWithoutHost = await api.call('PATCH', `/api/connections/${files.conn_id}`, { body: { connection_type: 'postgresql' } });
    expect(toPostgresWithoutHost.status).toBe(400);
    expect(toPostgresWithoutHost.body.error.message).toMatch(/needs a host/);
    expect((await api.call('GET', `/api/connections/${files.conn_id}`)).body.connection_type).toBe('files');

    const nul = await api.call('POST', '/api/connections', { body: { name: 'nul\u0000name', connection_type: 'files' } });
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toMatch(/NUL character/);

    const taken = await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('CONFLICT');

    const missing = await api.call('POST', '/api/connections/00000000-0000-4000-8000-000000000000/test');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await api.call('GET', '/api/connections/not-a-uuid')).status).toBe(404);
    expect((await api.call('POST', '/api/connections', { as: 'viewer', body: { name: 'v', connection_type: 'files' } })).status).toBe(403);
  });

  it('refuses to delete a connection an index or rule still reads from (409 IN_USE)', async () => {
    const { body: conn } = await api.call('POST', '/api/connections', { body: postgresSource });
    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'c', values: ['A', 'B'] } });
    const { body: index } = await api.call('POST', `/api/concepts/${concept.c_id}/indexes`, { body: { name: 'docs', conn_id: conn.conn_id, sql_query: 'select 1 as id' } });
    await api.call('POST', `/api/concepts/${concept.c_id}/rules`, { body: { name: 'len', conn_id: conn.conn_id, sql_query: 'select 1 as id, 2 as n' } });

    const refused = await api.call('DELETE', `/api/connections/${conn.conn_id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('IN_USE');
    expect(refused.body.error.message).toBe('Connection "warehouse" is used by index "docs", rule "len"; delete those or point them at another connection first.');
    expect(refused.body.error.details).toEqual({ indexes: ['docs'], rules: ['len'] });
    expect((await api.call('GET', `/api/connections/${conn.conn_id}`)).status).toBe(200);

    // Nor may it change to a dialect its queries are not written in (backticks are MySQL; PostgreSQL refuses them).
    const { body: my } = await api.call('POST', '/api/connections', { body: mysqlSource });
    await api.call('POST', `/api/concepts/${concept.c_id}/rules`, { body: { name: 'ticks', conn_id: my.conn_id, sql_query: 'select `id` from t' } });
    const retyped = await api.call('PATCH', `/api/connections/${my.conn_id}`, { body: { connection_type: 'postgresql' } });
    expect(retyped.status).toBe(409);
    expect(retyped.body.error.code).toBe('IN_USE');
    expect(retyped.body.error.message).toMatch(/^The rule "ticks" reads from this connection and its SQL is not valid postgresql: Syntax error/);
    expect((await api.call('GET', `/api/connections/${my.conn_id}`)).body.connection_type).toBe('mysql');
    expect((await api.call('PATCH', `/api/connections/${conn.conn_id}`, { body: { connection_type: 'mysql' } })).status).toBe(200);

    await api.call('DELETE', `/api/concepts/${concept.c_id}/indexes/${index.id}`);
    await api.call('DELETE', `/api/concepts/${concept.c_id}`);
    expect((await api.call('DELETE', `/api/connections/${conn.conn_id}`)).status).toBe(204);
  });

  it('tests a connection for real: PostgreSQL and MariaDB reachable, a wrong port or database reported readably', async () => {
    const { body: pg } = await api.call('POST', '/api/connections', { body: postgresSource });
    const ok = await api.call('POST', `/api/connections/${pg.conn_id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);
    expect(ok.body.message).toMatch(/^Connected to PostgreSQL \d+/);
    expect(ok.body.latency_ms).toBeGreaterThanOrEqual(0);

    await api.call('PATCH', `/api/connections/${pg.conn_id}`, { body: { port: 1 } });
    const refused = await api.call('POST', `/api/connections/${pg.conn_id}/test`);
    expect(refused.status).toBe(200);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.message).toMatch(/could not be reached: connect ECONNREFUSED 127\.0\.0\.1:1; nothing accepts connections at that host and port/);
    expect(refused.body.code).toBe('SOURCE_CONNECTION_REFUSED');

    await api.call('PATCH', `/api/connections/${pg.conn_id}`, { body: { port: 5432, database: 'reef_no_such_database' } });
    const noDb = await api.call('POST', `/api/connections/${pg.conn_id}/test`);
    expect(noDb.body.ok).toBe(false);
    expect(noDb.body.message).toMatch(/does not exist.*reef_no_such_database.*Check the connection's database name/);

    const { body: my } = await api.call('POST', '/api/connections', { body: mysqlSource });
    const myOk = await api.call('POST', `/api/connections/${my.conn_id}/test`);
    expect(myOk.body.ok).toBe(true);
    expect(myOk.body.message).toMatch(/^Connected to (MariaDB|MySQL) /);
    await api.call('PATCH', `/api/connections/${my.conn_id}`, { body: { database: 'reef_no_such_database' } });
    const myNoDb = await api.call('POST', `/api/connections/${my.conn_id}/test`);
    expect(myNoDb.body.ok).toBe(false);
    expect(myNoDb.body.message).toMatch(/reef_no_such_database/);
  });

  it('tests a files connection against the object store, and says so when there is none', async () => {
    const { body: files } = await api.call('POST', '/api/connections', { body: { name: 'files', connection_type: 'files' } });
    const noStore = await api.call('POST', `/api/connections/${files.conn_id}/test`);
    expect(noStore.status).toBe(200);
    expect(noStore.body).toMatchObject({ ok: false, message: expect.stringMatching(/need the object store/) });

    const root = await mkdtemp(join(tmpdir(), 'reef-conn-test-'));
    try {
      const withStore = createApp({ db: database().db, secret: TEST_SECRET, databaseKind: database().kind, store: new LocalObjectStore(root) });
      const res = await withStore.request(`/api/connections/${files.conn_id}/test`, { method: 'POST', headers: { Authorization: `Bearer ${api.tokens.admin}` } });
      expect(res.status).toBe(200);
      const body = await res.json() as { ok: boolean; message: string };
      expect(body.ok).toBe(true);
      expect(body.message).toMatch(/^Connected to DuckDB .* over 0 file\(s\)\.$/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reports a password sealed under another REEF_SECRET as a failed test, not a 500', async () => {
    const { body: pg } = await api.call('POST', '/api/connections', { body: postgresSource });
    await database().db.update(databaseConnections).set({ encryptedPassword: await sealSecret(PASSWORD, 'a-different-secret') }).where(eq(databaseConnections.id, pg.conn_id));
    const res = await api.call('POST', `/api/connections/${pg.conn_id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false });
    expect(res.body.message).toMatch(/cannot be decrypted .*REEF_SECRET/);
  });
});

describe.skipIf(!testDatabaseUrl)("connections to Reef's own database", () => {
  let reef: Awaited<ReturnType<typeof createThrowawayPostgres>>;
  beforeAll(async () => { reef = await createThrowawayPostgres('reef_self'); });
  afterAll(async () => { await reef?.database.close(); await reef?.drop(); });
  beforeEach(async () => { await truncateAll(reef.database); });

  it('refuses them by address (DATABASE_URL) and by the server identity, whatever the host name, on save and on test', async () => {
    const url = new URL(reef.url);
    const own = { name: 'self', connection_type: 'postgresql', host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), username: 'postgres' };
    const withUrl = await createTestApi(reef.database, { databaseUrl: reef.url });
    for (const body of [own, { ...own, host: 'localhost' }]) {
      const res = await withUrl.call('POST', '/api/connections', { as: 'analyst', body });
      expect(res.status, body.host).toBe(400);
      expect(res.body.error.code).toBe('CONNECTION_IS_REEF_DATABASE');
      expect(res.body.error.message).toMatch(/names the host, port and database of Reef's own database/);
    }
    // Without the URL in the configuration, the server's system identifier and database OID still tell.
    await truncateAll(reef.database);
    const api = await createTestApi(reef.database);
    const byIdentity = await api.call('POST', '/api/connections', { as: 'analyst', body: own });
    expect(byIdentity.status).toBe(400);
    expect(byIdentity.body.error).toMatchObject({ code: 'CONNECTION_IS_REEF_DATABASE', message: expect.stringMatching(/reaches Reef's own database/) });
    const other = await api.call('POST', '/api/connections', { as: 'analyst', body: { ...own, name: 'other', database: 'postgres', username: READER } });
    expect(other.status).toBe(201);
    const patched = await api.call('PATCH', `/api/connections/${other.body.conn_id}`, { as: 'analyst', body: { database: own.database } });
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe('CONNECTION_IS_REEF_DATABASE');
    expect((await api.call('GET', `/api/connections/${other.body.conn_id}`)).body.database).toBe('postgres');
    // One stored before this check existed fails its test with the code.
    await reef.database.db.update(databaseConnections).set({ database: own.database }).where(eq(databaseConnections.id, other.body.conn_id));
    const tested = await api.call('POST', `/api/connections/${other.body.conn_id}/test`);
    expect(tested.body).toMatchObject({ ok: false, code: 'CONNECTION_IS_REEF_DATABASE' });
  });
});

describe('connection tests against ports where no database answers', () => {
  const servers: Server[] = [];
  afterAll(() => { for (const s of servers) s.close(); });
  const listen = async (server: Server) => {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  it('answers within 10 s and tells a silent port (timeout) from a web server or a dropped socket (reset) from a closed port (refused), on PostgreSQL and MySQL', async () => {
    const database = await backends()[0]!.open();
    try {
      const api = await createTestApi(database);
      const silentPort = await listen(createServer(() => {}));
      const httpPort = await listen(createHttpServer((_req, res) => res.end('not a database')));
      const resetPort = await listen(createServer((socket) => socket.destroy()));
      // Speaks just enough PostgreSQL to log anyone in (AuthenticationOk, ReadyForQuery), then never answers a query.
      const stalledPort = await listen(createServer((socket) => {
        socket.once('data', () => socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49])));
      }));
      const cases = [
        [postgresSource, silentPort, 'SOURCE_CONNECT_TIMEOUT'], [postgresSource, httpPort, 'SOURCE_CONNECTION_RESET'],
        [postgresSource, resetPort, 'SOURCE_CONNECTION_RESET'], [postgresSource, 1, 'SOURCE_CONNECTION_REFUSED'],
        [postgresSource, stalledPort, 'SOURCE_CONNECT_TIMEOUT'],
        [mysqlSource, silentPort, 'SOURCE_CONNECT_TIMEOUT'], [mysqlSource, resetPort, 'SOURCE_CONNECTION_RESET'],
        [mysqlSource, 1, 'SOURCE_CONNECTION_REFUSED'],
      ] as const;
      for (const [source, port, code] of cases) {
        const { body: conn } = await api.call('POST', '/api/connections', { body: { ...source, name: `${source.connection_type}${port}`, port } });
        const started = performance.now();
        const res = await api.call('POST', `/api/connections/${conn.conn_id}/test`);
        expect(performance.now() - started, code).toBeLessThan(10_000);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ ok: false, code });
        expect(res.body.message).toContain(`127.0.0.1:${port}`);
      }
    } finally {
      await database.close();
    }
  }, 90_000);
});

describe('writer roles, trusted_writer_role and the statement timeout', () => {
  let database: Awaited<ReturnType<ReturnType<typeof backends>[0]['open']>>;
  let api: TestApi;
  const tag = randomBytes(3).toString('hex');
  const writer = `reef_conn_writer_${tag}`;
  const superuser = `reef_conn_super_${tag}`;
  const fileUser = `reef_conn_file_${tag}`;
  const table = `reef_conn_t_${tag}`;
  beforeAll(async () => {
    const pg = pgServer();
    await pg.unsafe(`CREATE ROLE ${writer} LOGIN; CREATE ROLE ${superuser} LOGIN SUPERUSER;
      CREATE TABLE public.${table} (id int); GRANT SELECT, INSERT ON public.${table} TO ${writer}`);
    await pg.end();
    const my = await mysqlServer();
    await my.query(`CREATE USER '${fileUser}'@'%'; GRANT FILE ON *.* TO '${fileUser}'@'%'`);
    await my.end();
    database = await backends()[0]!.open();
  });
  afterAll(async () => {
    await database?.close();
    const pg = pgServer();
    await pg.unsafe(`DROP TABLE IF EXISTS public.${table}; DROP ROLE IF EXISTS ${writer}; DROP ROLE IF EXISTS ${superuser}`);
    await pg.end();
    const my = await mysqlServer();
    await my.query(`DROP USER IF EXISTS '${fileUser}'@'%'`);
    await my.end();
  });
  beforeEach(async () => {
    await truncateAll(database);
    api = await createTestApi(database);
  });

  it('refuses to save a login with INSERT, a superuser or a MySQL user with FILE, naming what to revoke; a SELECT-only login passes', async () => {
    const inserter = await api.call('POST', '/api/connections', { body: { ...postgresSource, name: 'w', username: writer } });
    expect(inserter.status).toBe(400);
    expect(inserter.body.error.code).toBe('CONNECTION_ROLE_CAN_WRITE');
    expect(inserter.body.error.message).toContain(`Have an administrator run: REVOKE INSERT ON TABLE public.${table} FROM ${writer}.`);
    expect(inserter.body.error.details.privileges).toEqual([{ privilege: 'INSERT', object: `public.${table}`, revoke: `REVOKE INSERT ON TABLE public.${table} FROM ${writer}` }]);

    const root = await api.call('POST', '/api/connections', { body: { ...postgresSource, name: 's', username: superuser } });
    expect(root.status).toBe(400);
    expect(root.body.error).toMatchObject({ code: 'CONNECTION_ROLE_CAN_WRITE', details: { privileges: [{ privilege: 'SUPERUSER', revoke: `ALTER ROLE ${superuser} NOSUPERUSER` }] } });

    const file = await api.call('POST', '/api/connections', { body: { ...mysqlSource, name: 'f', username: fileUser } });
    expect(file.status).toBe(400);
    expect(file.body.error.code).toBe('CONNECTION_ROLE_CAN_WRITE');
    expect(file.body.error.message).toContain(`REVOKE FILE ON *.* FROM \`${fileUser}\`@\`%\``);

    expect((await api.call('GET', '/api/connections')).body).toEqual([]);
    const reader = await api.call('POST', '/api/connections', { body: postgresSource });
    expect(reader.status).toBe(201);
    expect(reader.body).toMatchObject({ trusted_writer_role: false, trusted_writer_role_by: null, statement_timeout_s: 900 });
    expect((await api.call('POST', '/api/connections', { body: { ...mysqlSource, name: 'r' } })).status).toBe(201);

    // A login that gained a write privilege after it was saved fails its test with the code and the statements.
    const pg = pgServer();
    await pg.unsafe(`GRANT UPDATE ON public.${table} TO ${READER}`);
    try {
      const tested = await api.call('POST', `/api/connections/${reader.body.conn_id}/test`, { as: 'analyst' });
      expect(tested.body).toMatchObject({ ok: false, code: 'CONNECTION_ROLE_CAN_WRITE', privileges: [{ privilege: 'UPDATE', revoke: `REVOKE UPDATE ON TABLE public.${table} FROM ${READER}` }] });
    } finally {
      await pg.unsafe(`REVOKE UPDATE ON public.${table} FROM ${READER}`);
      await pg.end();
    }
    expect((await api.call('POST', `/api/connections/${reader.body.conn_id}/test`)).body.ok).toBe(true);
  });

  it('lets only an admin mark a connection trusted_writer_role (logged, shown), which skips the check', async () => {
    const body = { ...postgresSource, name: 'super', username: superuser, trusted_writer_role: true };
    const byAnalyst = await api.call('POST', '/api/connections', { as: 'analyst', body });
    expect(byAnalyst.status).toBe(403);
    expect(byAnalyst.body.error.code).toBe('TRUSTED_WRITER_ROLE_ADMIN_ONLY');

    const log = vi.spyOn(console, 'info').mockImplementation(() => {});
    try {
      const byAdmin = await api.call('POST', '/api/connections', { body });
      expect(byAdmin.status).toBe(201);
      expect(byAdmin.body).toMatchObject({ trusted_writer_role: true, trusted_writer_role_by: 'test admin', trusted_writer_role_at: expect.any(String) });
      const entry = JSON.parse(log.mock.calls[0]![0] as string);
      expect(entry).toMatchObject({ audit: 'connection.trusted_writer_role', trusted: true, conn_id: byAdmin.body.conn_id, connection: 'super', user: superuser, by: 'test admin', role: 'admin' });
      const id = byAdmin.body.conn_id;
      expect((await api.call('GET', `/api/connections/${id}`, { as: 'viewer' })).body.trusted_writer_role).toBe(true);
      expect((await api.call('POST', `/api/connections/${id}/test`, { as: 'analyst' })).body).toMatchObject({ ok: true });

      // An analyst may neither clear the flag nor point the trusted login elsewhere; renaming and timeouts are fine.
      const cleared = await api.call('PATCH', `/api/connections/${id}`, { as: 'analyst', body: { trusted_writer_role: false } });
      expect(cleared.status).toBe(403);
      expect(cleared.body.error.code).toBe('TRUSTED_WRITER_ROLE_ADMIN_ONLY');
      const moved = await api.call('PATCH', `/api/connections/${id}`, { as: 'analyst', body: { username: writer } });
      expect(moved.status).toBe(403);
      expect(moved.body.error.code).toBe('TRUSTED_WRITER_ROLE_ADMIN_ONLY');
      const renamed = await api.call('PATCH', `/api/connections/${id}`, { as: 'analyst', body: { name: 'super2', statement_timeout_s: 60 } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'super2', statement_timeout_s: 60, trusted_writer_role: true });

      // The admin withdrawing trust brings the check back: a superuser cannot stay saved without it.
      const withdrawn = await api.call('PATCH', `/api/connections/${id}`, { body: { trusted_writer_role: false } });
      expect(withdrawn.status).toBe(400);
      expect(withdrawn.body.error.code).toBe('CONNECTION_ROLE_CAN_WRITE');
      const toReader = await api.call('PATCH', `/api/connections/${id}`, { body: { trusted_writer_role: false, username: READER } });
      expect(toReader.status).toBe(200);
      expect(toReader.body).toMatchObject({ trusted_writer_role: false, trusted_writer_role_by: null, trusted_writer_role_at: null });
      // Logged once stored: the refused withdrawal left no line.
      expect(log.mock.calls.map((c) => JSON.parse(c[0] as string).trusted)).toEqual([true, false]);
    } finally {
      log.mockRestore();
    }
  });

  it('bounds previews by the connection\'s statement_timeout_s on PostgreSQL and MariaDB', async () => {
    const { body: concept } = await api.call('POST', '/api/concepts', { body: { name: 'c', values: ['A', 'B'] } });
    const { body: pg } = await api.call('POST', '/api/connections', { body: { ...postgresSource, statement_timeout_s: 1 } });
    const { body: my } = await api.call('POST', '/api/connections', { body: { ...mysqlSource, statement_timeout_s: 1 } });
    expect(pg.statement_timeout_s).toBe(1);
    const cases = [
      [pg.conn_id, 'select pg_sleep(5) is null as id'],
      [my.conn_id, 'SELECT COUNT(*) AS id FROM information_schema.columns a, information_schema.columns b, information_schema.columns c'],
    ];
    for (const [connId, sql] of cases) {
      const started = performance.now();
      const res = await api.call('POST', `/api/concepts/${concept.c_id}/indexes/preview`, { as: 'analyst', body: { conn_id: connId, sql_query: sql } });
      expect(performance.now() - started, sql).toBeLessThan(4_000);
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.body.error.details.source_code, res.text).toBe('SOURCE_TIMEOUT');
    }
    expect((await api.call('PATCH', `/api/connections/${pg.conn_id}`, { body: { statement_timeout_s: 0 } })).status).toBe(400);
  });
});
