// needs: postgresql mariadb (vitest.config.ts skips this file when one is unreachable)
// A slow query never stalls the service: canceling a run cancels its statement on the real source (PostgreSQL,
// MariaDB) and frees the worker, other assets' jobs run beside a long one, and a preview that runs out of time
// answers a coded timeout. Sources are reached as least-privileged login roles, as a production connection would be.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { partitionExecutions } from '../db/schema.ts';
import { describeDatabases } from '../db/test-databases.ts';
import { createMysqlTestDb, type MysqlTestDb } from '../sources/mysql-test-db.ts';
import { createPgTestDb, type PgTestDb } from '../sources/pg-test-db.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { TEST_SECRET, createTestApi, type TestApi } from '../testing.ts';
import type { MaterializeContext } from './runs.ts';
import { openQueue } from '../runs/queue.ts';
import { createMaterializer, startWorker } from '../runs/worker.ts';

const READER_PASSWORD = 'reader-pw-1';

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeDatabases('canceling runs and running assets side by side', (database) => {
  let pg: PgTestDb;
  let maria: MysqlTestDb;
  let pgReader: string;
  let mariaReader: string;
  let storeDir: string;
  let boss: PgBoss;
  let ctx: MaterializeContext;
  let api: TestApi;
  let cId: string;
  let pgConn: string;
  let mariaConn: string;

  beforeAll(async () => {
    pg = await createPgTestDb('cancel');
    pgReader = `reef_reader_${randomBytes(4).toString('hex')}`;
    await pg.admin.unsafe(`CREATE TABLE items (id bigint PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100);
      CREATE ROLE ${pgReader} LOGIN PASSWORD '${READER_PASSWORD}'; GRANT SELECT ON items TO ${pgReader}`);
    maria = await createMysqlTestDb('cancel');
    mariaReader = `reef_reader_${randomBytes(4).toString('hex')}`;
    await maria.admin.query(`CREATE TABLE items (id BIGINT PRIMARY KEY); INSERT INTO items SELECT seq FROM seq_1_to_100;
      CREATE USER '${mariaReader}'@'%' IDENTIFIED BY '${READER_PASSWORD}'; GRANT SELECT ON ${maria.config.database}.* TO '${mariaReader}'@'%'`);
    storeDir = mkdtempSync(join(tmpdir(), 'reef-cancel-'));
  });
  afterAll(async () => {
    await maria?.admin.query(`DROP USER IF EXISTS '${mariaReader}'@'%'`);
    await maria?.drop();
    await pg?.drop();
    const server = (await import('postgres')).default({ host: pg.config.host, port: pg.config.port, username: pg.config.username, database: 'postgres', max: 1 });
    await server.unsafe(`DROP ROLE IF EXISTS ${pgReader}`);
    await server.end();
    rmSync(storeDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    const db = database().db;
    boss = await openQueue({ database: database() });
    ctx = createMaterializer({ db, store: new LocalObjectStore(join(storeDir, 'objects')), boss, secret: TEST_SECRET });
    // The default concurrency, as `reef serve` runs it.
    await startWorker(ctx);
    api = await createTestApi(database(), { store: ctx.store, materializer: ctx, previewTimeoutMs: 1_000 });
    cId = (await api.call('POST', '/api/concepts', { body: { name: 'items', values: ['NO', 'YES'] } })).body.c_id;
    const create = async (body: Record<string, unknown>) => {
      const res = await api.call('POST', '/api/connections', { body: { username: pgReader, password: READER_PASSWORD, ...body } });
      expect(res.status, res.text).toBe(201);
      return res.body.conn_id as string;
    };
    pgConn = await create({ name: 'pg', connection_type: 'postgresql', host: pg.config.host, port: pg.config.port, database: pg.config.database });
    mariaConn = await create({
      name: 'maria', connection_type: 'mysql', host: maria.config.host, port: maria.config.port, database: maria.config.database, username: mariaReader,
    });
  });
  afterEach(async () => { await boss.stop({ graceful: false }); });

  async function createIndex(name: string, connId: string, sqlQuery: string, extra: Record<string, unknown> = {}) {
    const res = await api.call('POST', `/api/concepts/${cId}/indexes`, { body: { name, conn_id: connId, sql_query: sqlQuery, ...extra } });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  }

  async function startRun(indexId: string): Promise<string> {
    const started = await api.call('POST', `/api/concepts/${cId}/indexes/${indexId}/materialize`);
    expect(started.status, started.text).toBe(202);
    return started.body.run_id as string;
  }

  const status = async (runId: string) => (await api.call('GET', `/api/runs/${runId}`)).body.status as string;

  const pgRunning = async (marker: string) => (await pg.admin`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE ${`COPY%${marker}%`}`)[0]!.n as number;

  const mariaRunning = async (marker: string) => {
    const [rows] = await maria.admin.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()', [`%${marker}%`]);
    return Number((rows as { n: number }[])[0]!.n);
  };

  /** Cancels through the API once the statement runs; the statement must be gone and the worker free within 5 s. */
  async function cancelWhileRunning(runId: string, running: () => Promise<number>) {
    await waitUntil(async () => (await running()) === 1, 'the source statement started');
    const canceledAt = Date.now();
    const canceled = await api.call('POST', `/api/runs/${runId}/cancel`);
    expect(canceled.body.status).toBe('CANCELED');
    await waitUntil(async () => (await running()) === 0, 'the source statement is gone', 5_000);
    await waitUntil(async () => {
      const parts = await database().db.select().from(partitionExecutions).where(eq(partitionExecutions.runId, runId));
      return parts.every((p) => p.status === 'CANCELED');
    }, 'the worker let go of the partition', 5_000);
    expect(Date.now() - canceledAt).toBeLessThan(5_000);
    expect(await status(runId)).toBe('CANCELED');
    const events = await api.app.request(`/api/runs/${runId}/events`, { headers: { Authorization: `Bearer ${api.tokens.viewer}` } });
    expect(await events.text()).toContain('event: partition_canceled');
  }

  it('cancels pg_sleep(600) on PostgreSQL within 5 s and frees the worker for the next job', async () => {
    const slow = await createIndex('slow_pg', pgConn, 'SELECT pg_sleep(600) IS NULL AS slept_pg_cancel');
    const runId = await startRun(slow);
    await cancelWhileRunning(runId, () => pgRunning('slept_pg_cancel'));
    // The slot is free: a next materialization of the same asset runs and succeeds.
    const fast = await createIndex('fast_pg', pgConn, 'SELECT id FROM items');
    const next = await startRun(fast);
    await waitUntil(async () => (await status(next)) === 'SUCCESS', 'the next run succeeded');
  });

  it('kills BENCHMARK on MariaDB within 5 s of the cancel', async () => {
    const slow = await createIndex('slow_maria', mariaConn, "SELECT BENCHMARK(100000000000, MD5('maria_cancel')) AS b");
    const runId = await startRun(slow);
    await cancelWhileRunning(runId, () => mariaRunning('maria_cancel'));
  });

  it('runs another asset while a long materialization with several partitions holds the queue', async () => {
    const slow = await createIndex('slow_parts', pgConn, 'SELECT id, pg_sleep(600) IS NULL AS slept_parts FROM items', {
      partition_type: 'id_range', partition_config: { column: 'id', start: 1, end: 101, size: 25 },
    });
    const fast = await createIndex('fast_side', pgConn, 'SELECT id FROM items');
    const slowRun = await startRun(slow);
    await waitUntil(async () => (await pgRunning('slept_parts')) >= 1, 'the slow run started');
    const fastRun = await startRun(fast);
    await waitUntil(async () => (await status(fastRun)) === 'SUCCESS', 'the fast run finished beside the slow one');
    expect(await status(slowRun)).toBe('RUNNING');
    // One of the default two slots stays free for other assets: the slow asset runs one partition at a time.
    expect(await pgRunning('slept_parts')).toBe(1);
    await api.call('POST', `/api/runs/${slowRun}/cancel`);
    await waitUntil(async () => (await pgRunning('slept_parts')) === 0, 'the slow statements are gone', 5_000);
  });

  it('answers a preview that runs out of time with 504 SOURCE_QUERY_TIMEOUT, never rows', async () => {
    for (const [connId, sql] of [
      [mariaConn, "SELECT BENCHMARK(100000000000, MD5('x')) AS id"],
      [mariaConn, 'SELECT SLEEP(30) AS id'],
      [pgConn, 'SELECT pg_sleep(30) IS NULL AS id'],
    ] as const) {
      const res = await api.call('POST', `/api/concepts/${cId}/indexes/preview`, { body: { conn_id: connId, sql_query: sql } });
      expect(res.status, sql).toBe(504);
      expect(res.body.error, sql).toMatchObject({ code: 'SOURCE_QUERY_TIMEOUT', details: { source_code: 'SOURCE_TIMEOUT' } });
      expect(res.body.error.message, sql).toMatch(/statement timeout/);
    }
  });
});
