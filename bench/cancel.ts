// npm run bench:cancel — how fast a cancel reaches the source, and whether a long materialization holds back others.
// Reef's database is a throwaway PostgreSQL database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432);
// the sources are throwaway databases on the machine's PostgreSQL and MariaDB (127.0.0.1:3306, root). The API is called
// in-process (app.request), the worker takes jobs from the real queue. Run it through npm, which sizes the libuv pool
// as bin/reef.js does (UV_THREADPOOL_SIZE=32): with Node's default of 4, two materializations at once starve.
// 1. Cancel latency, median of 3: a run whose query is `pg_sleep(600)` (PostgreSQL) or `BENCHMARK(…)` (MariaDB) is
//    canceled through POST /api/runs/{id}/cancel once the statement runs; measured until the statement is gone from
//    pg_stat_activity / information_schema.PROCESSLIST, and until the worker has let go of the partition.
// 2. Concurrency: an asset of 4 partitions of pg_sleep(3) each is started, then a one-row asset; the time the small
//    one takes, with REEF_WORKER_CONCURRENCY 1 (before: it waits for the whole long run) and the default 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import type { PgBoss } from 'pg-boss';
import { createApp } from '../edge-api/app.ts';
import { migrateDatabase, openDatabase, type Database } from '../edge-api/db/client.ts';
import { apiTokens, partitionExecutions } from '../edge-api/db/schema.ts';
import { openQueue } from '../edge-api/runs/queue.ts';
import { createMaterializer, DEFAULT_WORKER_CONCURRENCY, startWorker } from '../edge-api/runs/worker.ts';
import { hashToken } from '../edge-api/security/secrets.ts';
import { createMysqlTestDb } from '../edge-api/sources/mysql-test-db.ts';
import { createPgTestDb } from '../edge-api/sources/pg-test-db.ts';
import { LocalObjectStore } from '../edge-api/storage/local.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = 3;
const SECRET = 'bench-cancel-secret';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now();
}

async function main() {
  const dbName = `reef_bench_cancel_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const scratch = mkdtempSync(join(tmpdir(), 'reef-bench-cancel-'));
  const [pg, maria] = await Promise.all([createPgTestDb('benchcancel'), createMysqlTestDb('benchcancel')]);
  let database: Database | undefined;
  let boss: PgBoss | undefined;
  try {
    await pg.admin.unsafe('CREATE TABLE items (id bigint PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 100)');
    database = await openDatabase({ url: url.toString() });
    await migrateDatabase(database);
    const db = database.db;
    const store = new LocalObjectStore(join(scratch, 'store'));
    await db.insert(apiTokens).values({ name: 'bench', role: 'admin', tokenHash: await hashToken('bench-token') });

    let materializer = createMaterializer({ db, store, boss: await openQueue({ database, databaseUrl: url.toString() }), secret: SECRET });
    boss = materializer.boss;
    const app = () => createApp({ db, secret: SECRET, databaseKind: 'postgres', store, materializer });
    let api = app();
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await api.request(path, { method, headers: { Authorization: 'Bearer bench-token', 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = await res.json() as Record<string, any>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    /** A fresh queue and worker with `concurrency` slots (the previous one stopped). */
    const restartWorker = async (concurrency: number) => {
      await boss!.stop({ graceful: false });
      materializer = createMaterializer({ db, store, boss: await openQueue({ database: database!, databaseUrl: url.toString() }), secret: SECRET });
      boss = materializer.boss;
      api = app();
      await startWorker(materializer, { concurrency });
    };
    await startWorker(materializer);

    const c = (await call('POST', '/api/concepts', { name: 'bench', values: ['A', 'B'] })).c_id as string;
    const pgConn = (await call('POST', '/api/connections', {
      // The read-only logins the throwaway databases come with: Reef refuses a login that can write.
      name: 'pg', connection_type: 'postgresql', host: pg.reader.host, port: pg.reader.port, database: pg.reader.database, username: pg.reader.username,
    })).conn_id as string;
    const mariaConn = (await call('POST', '/api/connections', {
      name: 'maria', connection_type: 'mysql', host: maria.reader.host, port: maria.reader.port, database: maria.reader.database, username: maria.reader.username,
    })).conn_id as string;
    let assets = 0;
    const index = async (connId: string, sql: string, extra: Record<string, unknown> = {}) =>
      (await call('POST', `/api/concepts/${c}/indexes`, { name: `a${assets++}`, conn_id: connId, sql_query: sql, ...extra })).id as string;
    const materialize = async (id: string) => (await call('POST', `/api/concepts/${c}/indexes/${id}/materialize`)).run_id as string;
    const status = async (runId: string) => (await call('GET', `/api/runs/${runId}`)).status as string;
    const workerFree = async (runId: string) =>
      (await db.select().from(partitionExecutions).where(eq(partitionExecutions.runId, runId))).every((p) => p.status === 'CANCELED');

    const pgRunning = async (marker: string) =>
      (await pg.admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE ${`COPY%${marker}%`}`)[0]!.n as number;
    const mariaRunning = async (marker: string) => {
      const [rows] = await maria.admin.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()', [`%${marker}%`]);
      return Number((rows as { n: number }[])[0]!.n);
    };

    async function cancelLatency(connId: string, sql: (marker: string) => string, running: (marker: string) => Promise<number>) {
      const gone: number[] = [];
      const free: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const marker = `bench_cancel_${i}_${Date.now()}`;
        const runId = await materialize(await index(connId, sql(marker)));
        await until(async () => (await running(marker)) === 1, 'the statement started');
        const t0 = performance.now();
        await call('POST', `/api/runs/${runId}/cancel`);
        const [goneAt, freeAt] = await Promise.all([
          until(async () => (await running(marker)) === 0, 'the statement is gone'),
          until(() => workerFree(runId), 'the worker let go'),
        ]);
        if ((await status(runId)) !== 'CANCELED') throw new Error(`run ${runId} is not CANCELED`);
        gone.push(goneAt - t0);
        free.push(freeAt - t0);
      }
      return { gone, free };
    }

    const pgCancel = await cancelLatency(pgConn, (m) => `SELECT pg_sleep(600) IS NULL AS ${m}`, pgRunning);
    const mariaCancel = await cancelLatency(mariaConn, (m) => `SELECT BENCHMARK(100000000000, MD5('${m}')) AS b`, mariaRunning);

    console.log(`bench:cancel — cancel through POST /api/runs/{id}/cancel while the source statement runs, median of ${RUNS} (requirement: < 5 s)`);
    console.log('| source | statement | until gone from the source | until the worker is free | each run (gone) |');
    console.log('|---|---|---|---|---|');
    console.log(`| PostgreSQL | pg_sleep(600) | ${ms(median(pgCancel.gone))} | ${ms(median(pgCancel.free))} | ${pgCancel.gone.map(ms).join(', ')} |`);
    console.log(`| MariaDB | BENCHMARK(1e11, MD5(…)) | ${ms(median(mariaCancel.gone))} | ${ms(median(mariaCancel.free))} | ${mariaCancel.gone.map(ms).join(', ')} |`);

    // Concurrency: a long asset of 4 partitions, then a small one.
    const rows: string[] = [];
    for (const concurrency of [1, DEFAULT_WORKER_CONCURRENCY]) {
      await restartWorker(concurrency);
      const marker = `bench_long_${concurrency}`;
      const slow = await index(pgConn, `SELECT id, (SELECT pg_sleep(3)) IS NULL AS ${marker} FROM items`, {
        partition_type: 'id_range', partition_config: { column: 'id', start: 1, end: 101, size: 25 },
      });
      const fast = await index(pgConn, 'SELECT id FROM items');
      const t0 = performance.now();
      const slowRun = await materialize(slow);
      await until(async () => (await pgRunning(marker)) >= 1, 'the long run started');
      const t1 = performance.now();
      const fastRun = await materialize(fast);
      const fastDone = await until(async () => (await status(fastRun)) === 'SUCCESS', 'the small run finished', 120_000);
      const slowWhenFastDone = await status(slowRun);
      const slowDone = await until(async () => ['SUCCESS', 'FAILURE', 'CANCELED'].includes(await status(slowRun)), 'the long run finished', 120_000);
      rows.push(`| ${concurrency}${concurrency === DEFAULT_WORKER_CONCURRENCY ? ' (default)' : ''} | ${ms(fastDone - t1)} | ${slowWhenFastDone} | ${ms(slowDone - t0)} (${await status(slowRun)}) |`);
    }
    console.log('');
    console.log('Concurrency: a long asset (4 partitions × pg_sleep(3)) is running when a one-row asset is materialized');
    console.log('| REEF_WORKER_CONCURRENCY | small asset, queued to SUCCESS | long run then | long run, start to end |');
    console.log('|---|---|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    await boss?.stop({ graceful: false }).catch(() => {});
    await database?.close();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    await pg.drop();
    await maria.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
