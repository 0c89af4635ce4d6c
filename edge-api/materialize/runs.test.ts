// needs: postgresql (vitest.config.ts skips this file when one is unreachable)
// Materialization end to end: the API starts a run, a worker takes its partition jobs from the real queue, a real
// PostgreSQL source streams into Parquet in a real object store, and the version switch is checked by reading back.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { and, eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeDatabases } from '../db/test-databases.ts';
import { partitionExecutions } from '../db/schema.ts';
import { createPgTestDb, type PgTestDb } from '../sources/pg-test-db.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { TEST_SECRET, createTestApi, type TestApi } from '../testing.ts';
import { openQueue } from '../runs/queue.ts';
import { createMaterializer, startWorker } from '../runs/worker.ts';
import type { MaterializeContext } from './runs.ts';

const ROWS = 1000;
const reef = fileURLToPath(new URL('../../bin/reef.js', import.meta.url));

/** Reads every Parquet part of a version back with DuckDB: row count, a checksum per column, and the types. */
async function readBack(dir: string) {
  const instance = await DuckDBInstance.create();
  const connection = await instance.connect();
  const glob = `'${dir}/*.parquet'`;
  const [stats] = (await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS ids, sum(length(body))::BIGINT AS text_len,
    sum(score) AS scores, (count(*) FILTER (WHERE flag))::INTEGER AS flags, count("at")::INTEGER AS ats, sum(len(tags))::INTEGER AS tags
    FROM read_parquet(${glob})`)).getRowObjectsJson();
  const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${glob})`)).getRowObjectsJson()
    .map((r) => [r.column_name, r.column_type]);
  connection.closeSync();
  instance.closeSync();
  return { stats, types: Object.fromEntries(types) };
}

describeDatabases('materialization runs', (database, backend) => {
  let source: PgTestDb;
  let storeDir: string;
  let boss: PgBoss;
  let ctx: MaterializeContext;
  let api: TestApi;
  let cId: string;
  let connId: string;

  beforeAll(async () => {
    source = await createPgTestDb('mat');
    await source.admin.unsafe(`CREATE TABLE items (id bigint primary key, body text, score double precision, at timestamptz,
      tags text[], flag boolean, d int)`);
    await source.admin.unsafe(`INSERT INTO items SELECT i, 'item ' || i || repeat('é', i % 7), i / 3.0,
      CASE WHEN i % 10 = 0 THEN NULL ELSE timestamptz '2024-01-01 00:00:00.123456+00' + i * interval '1 hour' END,
      ARRAY['a', 'b' || i], i % 2 = 0, 1 FROM generate_series(1, ${ROWS}) i`);
    storeDir = mkdtempSync(join(tmpdir(), 'reef-mat-'));
  });
  afterAll(async () => {
    await source?.drop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    const db = database().db;
    boss = await openQueue({ database: database() });
    ctx = createMaterializer({ db, store: new LocalObjectStore(join(storeDir, 'objects')), boss, secret: TEST_SECRET });
    await startWorker(ctx, { concurrency: 2 });
    api = await createTestApi(database(), { store: ctx.store, materializer: ctx });
    cId = (await api.call('POST', '/api/concepts', { body: { name: 'items', values: ['NO', 'YES'] } })).body.c_id;
    connId = (await api.call('POST', '/api/connections', { body: {
      name: 'source', connection_type: 'postgresql', host: source.config.host, port: source.config.port,
      database: source.reader.database, username: source.reader.username,
    } })).body.conn_id;
  });
  afterEach(async () => { await boss.stop({ graceful: false }); });

  async function createIndex(body: Record<string, unknown>) {
    const res = await api.call('POST', `/api/concepts/${cId}/indexes`, { body: { name: 'items', conn_id: connId, sql_query: 'SELECT id, body, score, at, tags, flag FROM items', ...body } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function materialize(indexId: string, timeoutMs = 60_000) {
    const started = await api.call('POST', `/api/concepts/${cId}/indexes/${indexId}/materialize`);
    expect(started.status).toBe(202);
    expect(started.body.dagster_run_id).toBe(started.body.run_id);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = (await api.call('GET', `/api/runs/${started.body.run_id}`)).body;
      if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`run still ${run.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const versionDir = (indexId: string, version: number) => join(storeDir, 'objects', 'assets', cId, 'indexes', indexId, `v${version}`);

  it('streams a PostgreSQL query into a Parquet version with every value and type kept', async () => {
    const indexId = await createIndex({});
    const newVersions: string[] = [];
    ctx.onNewVersion = async (assetId) => { newVersions.push(assetId); };
    const run = await materialize(indexId);
    expect(run.status).toBe('SUCCESS');
    expect(newVersions).toEqual([indexId]);
    const index = (await api.call('GET', `/api/concepts/${cId}/indexes/${indexId}`)).body;
    expect(index).toMatchObject({ is_materialized: true, row_count: ROWS, storage_path: `assets/${cId}/indexes/${indexId}/v1` });
    const { stats, types } = await readBack(versionDir(indexId, 1));
    expect(stats).toEqual({ n: ROWS, ids: String((ROWS * (ROWS + 1)) / 2), text_len: expect.any(String), scores: expect.any(Number), flags: ROWS / 2, ats: ROWS * 0.9, tags: ROWS * 2 });
    const [expected] = await source.admin`SELECT sum(length(body))::text AS text_len, sum(score) AS scores FROM items`;
    expect(stats!.text_len).toBe(expected!.text_len);
    expect(stats!.scores).toBeCloseTo(Number(expected!.scores), 6);
    expect(types).toEqual({ id: 'BIGINT', body: 'VARCHAR', score: 'DOUBLE', at: 'TIMESTAMP WITH TIME ZONE', tags: 'VARCHAR[]', flag: 'BOOLEAN' });
  });

  it('runs one job per partition and switches the version only when all are done', async () => {
    const indexId = await createIndex({ partition_type: 'id_range', partition_config: { column: 'id', start: 1, end: ROWS + 1, size: 250 } });
    const run = await materialize(indexId);
    expect(run.status).toBe('SUCCESS');
    const parts = await database().db.select().from(partitionExecutions).where(eq(partitionExecutions.runId, run.run_id));
    expect(parts.map((p) => [p.partitionKey, p.status, p.rowCount]).sort()).toEqual([['1', 'SUCCESS', 250], ['251', 'SUCCESS', 250], ['501', 'SUCCESS', 250], ['751', 'SUCCESS', 250]]);
    expect((await readBack(versionDir(indexId, 1))).stats!.n).toBe(ROWS);
  });

  it('fails a partition on an SQL error, keeps the previous version, and backfills only that partition', async () => {
    const indexId = await createIndex({
      sql_query: 'SELECT id, 10 / d AS q FROM items',
      partition_type: 'id_range', partition_config: { column: 'id', start: 1, end: ROWS + 1, size: 250 },
    });
    expect((await materialize(indexId)).status).toBe('SUCCESS');
    await source.admin`UPDATE items SET d = 0 WHERE id = 600`;
    const failed = await materialize(indexId);
    expect(failed.status).toBe('FAILURE');
    expect(failed.error.message).toMatch(/division by zero/);
    const index = (await api.call('GET', `/api/concepts/${cId}/indexes/${indexId}`)).body;
    expect(index).toMatchObject({ row_count: ROWS, storage_path: `assets/${cId}/indexes/${indexId}/v1` });

    await source.admin`UPDATE items SET d = 1 WHERE id = 600`;
    const backfill = await materialize(indexId);
    expect(backfill.status).toBe('SUCCESS');
    expect(backfill.params.backfill_of).toBe(failed.run_id);
    const events = await api.app.request(`/api/runs/${backfill.run_id}/events`, { headers: { Authorization: `Bearer ${api.tokens.viewer}` } });
    const planned = /event: planned\ndata: (.*)/.exec(await events.text())![1]!;
    expect(JSON.parse(planned)).toMatchObject({ partitions: 4, to_run: 1, reused: 3 });
    expect((await readBackIds(versionDir(indexId, 2))).stats).toEqual({ n: ROWS, ids: String((ROWS * (ROWS + 1)) / 2) });
  });

  it('refuses a second materialization of an asset while one is running', async () => {
    const indexId = await createIndex({ sql_query: 'SELECT id, pg_sleep(0.002) IS NULL AS slept FROM items' });
    const first = await api.call('POST', `/api/concepts/${cId}/indexes/${indexId}/materialize`);
    const second = await api.call('POST', `/api/concepts/${cId}/indexes/${indexId}/materialize`);
    expect(second.status).toBe(409);
    expect(second.body.error.details.run_id).toBe(first.body.run_id);
  });

  it.skipIf(backend !== 'postgres')('recovers from a worker killed with SIGKILL: the job is retried and the asset is exact', async () => {
    // This process stops taking jobs, so the child worker gets the partition.
    await boss.offWork('materialize-partition');
    const indexId = await createIndex({ sql_query: 'SELECT id, body, pg_sleep(0.01) IS NULL AS slept FROM items' });
    const child = spawn(process.execPath, [reef, 'worker'], {
      env: { ...process.env, DATABASE_URL: database().url!, REEF_DATA_DIR: storeDir, REEF_SECRET: TEST_SECRET, S3_BUCKET: '' },
      stdio: 'ignore',
    });
    try {
      const started = await api.call('POST', `/api/concepts/${cId}/indexes/${indexId}/materialize`);
      for (let i = 0; i < 300; i++) {
        const [part] = await database().db.select().from(partitionExecutions)
          .where(and(eq(partitionExecutions.runId, started.body.run_id), eq(partitionExecutions.status, 'RUNNING')));
        if (part) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGKILL');
      await startWorker(ctx);
      const deadline = Date.now() + 120_000;
      let run: { status: string; run_id: string };
      do {
        await new Promise((r) => setTimeout(r, 500));
        run = (await api.call('GET', `/api/runs/${started.body.run_id}`)).body;
      } while (!['SUCCESS', 'FAILURE'].includes(run.status) && Date.now() < deadline);
      expect(run.status).toBe('SUCCESS');
      const [part] = await database().db.select().from(partitionExecutions).where(eq(partitionExecutions.runId, run.run_id));
      expect(part!.attempts).toBeGreaterThanOrEqual(2);
      const { stats } = await readBackIds(versionDir(indexId, 1));
      expect(stats).toEqual({ n: ROWS, ids: String((ROWS * (ROWS + 1)) / 2) });
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);
});

async function readBackIds(dir: string) {
  const instance = await DuckDBInstance.create();
  const connection = await instance.connect();
  const [stats] = (await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS ids FROM read_parquet('${dir}/*.parquet')`)).getRowObjectsJson();
  connection.closeSync();
  instance.closeSync();
  return { stats };
}
