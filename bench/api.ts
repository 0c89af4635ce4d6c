// npm run bench:api [-- ROWS]: how the API answers while a busy custom LF trains in the same process. A real HTTP
// server (Hono on Node) with the in-process training worker, on a throwaway PostgreSQL database (127.0.0.1:5432,
// user postgres); an index of the demo comments (default 20,000 rows), three template LFs and one approved custom LF
// that busy-waits ~0.9 ms a row (Date.now() ticks in whole ms: until the next tick), ~18 s in all: the case that
// froze the API. Each batch of 2,000 rows stays under the sandbox's per-batch limit on an idle machine; the bench
// raises that limit to 10 s so that a machine busy with other work still runs the LF to the end. 200 clients
// (BENCH_CLIENTS; autocannon in a process of its own, so the clients' work is not the server's) on 127.0.0.1 call
// GET /api/concepts/{c}/catalog, first for 20 s with nothing running (BENCH_IDLE_SECONDS), then while the run trains; prints p50 / p99 / max
// latency and requests/s for both, against the targets p99 <= 100 ms and >= 2,000 requests/s, and the event loop's
// delay (perf_hooks): a blocked loop shows there, a machine short of CPU only in the latencies. The server runs as
// `reef serve` does, with the change feed (edge-api/db/change-feed.ts), so the catalog and the token are kept in
// memory between changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { serve } from '@hono/node-server';
import { DuckDBInstance } from '@duckdb/node-api';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createApp } from '../edge-api/app.ts';
import { openChangeFeed } from '../edge-api/db/change-feed.ts';
import { migrateDatabase, openDatabase } from '../edge-api/db/client.ts';
import { apiTokens, runs } from '../edge-api/db/schema.ts';
import { demoCommentsSql } from '../edge-api/demo/comments.ts';
import { openQueue } from '../edge-api/runs/queue.ts';
import { DEFAULT_SANDBOX_LIMITS } from '../edge-api/sandbox/sandbox.ts';
import { ensureTrainingQueues } from '../edge-api/training/train.ts';
import { registerFixtureAsset } from '../edge-api/training/train-fixtures.ts';
import { registerTrainingHandlers } from '../edge-api/training/train-worker.ts';
import { hashToken } from '../edge-api/security/secrets.ts';
import { LocalObjectStore } from '../edge-api/storage/local.ts';
import type { LoadRequest, LoadResult } from './api-load.ts';

const ROWS = Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 20_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BUSY_LF = `(row: Row) => {
  const until = Date.now() + 0.9;
  while (Date.now() < until) {}
  return row.text !== null && row.text.includes('http') ? 1 : ABSTAIN;
}`;

interface Latencies extends LoadResult { loopDelayP99: number; loopDelayMax: number }

/** CLIENTS connections (bench/api-load.ts, in a process of its own) until `stop` resolves, and this event loop's delay meanwhile. */
async function hammer(url: string, token: string, stop: Promise<unknown>): Promise<Latencies> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const load = fork(new URL('./api-load.ts', import.meta.url), [JSON.stringify({ url, token, connections: CLIENTS } satisfies LoadRequest)]);
  const result = new Promise<LoadResult>((resolve, reject) => { load.once('message', (m) => resolve(m as LoadResult)); load.once('error', reject); });
  await stop;
  load.send('stop');
  const measured = await result;
  loop.disable();
  return { ...measured, loopDelayP99: loop.percentile(99) / 1e6, loopDelayMax: loop.max / 1e6 };
}

function summary(name: string, l: Latencies): string {
  return `${name.padEnd(24)} | ${String(l.requests).padStart(8)} | ${l.p50.toFixed(1).padStart(7)} | ${l.p99.toFixed(1).padStart(7)} | ${l.max.toFixed(1).padStart(7)} | ${Math.round(l.requests / l.seconds).toString().padStart(6)} | ${String(l.errors).padStart(6)} | ${l.loopDelayP99.toFixed(1).padStart(11)} | ${l.loopDelayMax.toFixed(1)}`;
}

async function main() {
  const dbName = `reef_bench_api_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const scratch = mkdtempSync(join(tmpdir(), 'reef-bench-api-'));
  const database = await openDatabase({ url: databaseUrl });
  try {
    await migrateDatabase(database);
    const store = new LocalObjectStore(join(scratch, 'store'));
    const index = join(scratch, 'comments.parquet');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(`COPY (SELECT * EXCLUDE (true_label) FROM (${demoCommentsSql(ROWS)})) TO '${index}' (FORMAT parquet)`);
    duck.closeSync();

    const boss = await openQueue({ database, databaseUrl });
    await ensureTrainingQueues(boss);
    const db = database.db;
    const trainer = { db, store, boss, sandbox: { ...DEFAULT_SANDBOX_LIMITS, batchTimeoutMs: 10_000 } };
    // As `reef serve` runs it: with the change feed, so the catalog and tokens are read once per change.
    const changes = await openChangeFeed(database);
    const app = createApp({ db, secret: 'bench', databaseKind: 'postgres', store, trainer, changes });
    // The in-process worker: training jobs run in the process that answers the API, as `reef serve` does.
    await registerTrainingHandlers(boss, trainer);
    await db.insert(apiTokens).values({ name: 'bench', role: 'admin', tokenHash: await hashToken('bench-token') });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { Authorization: 'Bearer bench-token', 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = await res.json() as Record<string, any>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const concept = await call('POST', '/api/concepts', { name: 'demo spam', values: ['HAM', 'SPAM'] });
    const c = concept.c_id as string;
    const asset = await registerFixtureAsset(db, store, { conceptId: c, kind: 'indexes', name: 'comments', keyColumn: 'id', files: [index] });
    const templates = [
      { name: 'few_likes', field: 'likes', operator: '<', value: 3, label: 'SPAM' },
      { name: 'well_liked', field: 'likes', operator: '>', value: 20, label: 'HAM' },
      { name: 'says_lol', field: 'text', operator: 'contains', value: 'lol', label: 'HAM' },
    ];
    const lfs: string[] = [];
    for (const body of templates) lfs.push((await call('POST', `/api/concepts/${c}/labeling-functions/template`, body)).lf_id);
    const busy = (await call('POST', `/api/concepts/${c}/labeling-functions/custom`, { name: 'busy_wait', code: BUSY_LF, label: 'SPAM' })).lf_id;
    await call('POST', `/api/concepts/${c}/labeling-functions/${busy}/approve`, {});
    const catalog = `${base}/api/concepts/${c}/catalog`;
    await hammer(catalog, 'bench-token', new Promise((r) => setTimeout(r, 1_000))); // warm-up, not reported

    const loadBefore = loadavg()[0]!;
    const idle = await hammer(catalog, 'bench-token', new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000)));
    const job = await call('POST', `/api/concepts/${c}/snorkel/run`, {
      selectedIndex: asset.assetId, selectedLFs: [...lfs, busy], snorkel: { epochs: 50 }, model: 'snorkel', seed: 1,
    });
    const t0 = performance.now();
    let finished: { status: string; error: unknown } | undefined;
    const ended = (async () => {
      for (;;) {
        const [run] = await db.select().from(runs).where(eq(runs.id, job.run_id));
        if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run!.status)) {
          finished = run!;
          return finished;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const training = await hammer(catalog, 'bench-token', ended);
    const trainSeconds = (performance.now() - t0) / 1000;
    // In-flight requests end before the database closes under them.
    await new Promise((r) => server.close(r));
    await changes.close();
    await boss.stop({ graceful: false, close: true });

    console.log(`\nreef bench:api — GET /api/concepts/{c}/catalog, ${CLIENTS} clients on 127.0.0.1, PostgreSQL, in-process worker`);
    console.log(`training: ${ROWS.toLocaleString('en')} rows, a custom LF busy-waiting ~0.9 ms a row + 3 template LFs; run ${finished!.status} in ${trainSeconds.toFixed(1)} s${finished!.status === 'SUCCESS' ? '' : ` (${JSON.stringify(finished!.error)})`}`);
    console.log(`machine: ${availableParallelism()} cores; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
    console.log('phase                    | requests |  p50 ms |  p99 ms |  max ms |  req/s | errors | loop p99 ms | loop max ms');
    console.log(summary(`idle (${IDLE_SECONDS} s)`, idle));
    console.log(summary('while the custom LF runs', training));
    for (const [phase, l] of [['idle', idle], ['while the custom LF trains', training]] as const) {
      const rps = l.requests / l.seconds;
      const met = l.p99 <= 100 && rps >= 2_000 && l.errors === 0;
      console.log(`catalog ${phase}: p99 ${l.p99.toFixed(1)} ms, ${Math.round(rps)} req/s, ${l.errors} errors (targets p99 <= 100 ms, >= 2,000 req/s, 0 errors): ${met ? 'met' : 'MISSED'}`);
    }
    if (finished!.status !== 'SUCCESS') console.log('the training run did not succeed: the figures while it ran are not the case measured');
  } finally {
    await database.close();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
