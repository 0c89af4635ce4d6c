// npm run bench:server [-- ROWS]: a server training run end to end on the demo comments dataset (default 10,000,000
// rows), 20 template/regex LFs, Snorkel's LabelModel with softmax output, k = 2 — with 1 and then 2 worker processes
// on a throwaway PostgreSQL database (127.0.0.1:5432, user postgres) and a local object store. Prints end-to-end
// time (POST /snorkel/run → SUCCESS), rows/s and each worker's peak RSS, against the targets.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createApp } from '../edge-api/app.ts';
import { migrateDatabase, openDatabase } from '../edge-api/db/client.ts';
import { apiTokens, runs } from '../edge-api/db/schema.ts';
import { demoCommentsSql } from '../edge-api/demo/comments.ts';
import { openQueue } from '../edge-api/runs/queue.ts';
import { ensureTrainingQueues } from '../edge-api/training/train.ts';
import type { TrainMetrics } from '../edge-api/training/train-metrics.ts';
import { registerFixtureAsset } from '../edge-api/training/train-fixtures.ts';
import { hashToken } from '../edge-api/security/secrets.ts';
import { LocalObjectStore } from '../edge-api/storage/local.ts';

const ROWS = Number(process.argv[2] ?? process.env.BENCH_ROWS ?? 10_000_000);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const LFS: [type: 'regex' | 'template', body: Record<string, unknown>][] = [
  ['regex', { name: 'has_url', field: 'text', pattern: 'https?://|www\\.', label: 'SPAM' }],
  ['regex', { name: 'asks_to_subscribe', field: 'text', pattern: 'subscribe|sub4sub|follow me', case_insensitive: true, label: 'SPAM' }],
  ['regex', { name: 'free_stuff', field: 'text', pattern: '\\b(free|giveaway|win|earn)\\b', case_insensitive: true, label: 'SPAM' }],
  ['regex', { name: 'money', field: 'text', pattern: '\\$\\d+|\\b\\d+k\\b', label: 'SPAM' }],
  ['regex', { name: 'my_channel', field: 'text', pattern: '\\bmy channel\\b', case_insensitive: true, label: 'SPAM' }],
  ['regex', { name: 'click_or_visit', field: 'text', pattern: 'click here|visit', case_insensitive: true, label: 'SPAM' }],
  ['regex', { name: 'about_the_song', field: 'text', pattern: '\\b(song|beat|memories|classic|dancing)\\b', case_insensitive: true, label: 'HAM' }],
  ['regex', { name: 'timestamp_ref', field: 'text', pattern: '\\b\\d:\\d\\d\\b', label: 'HAM' }],
  ['regex', { name: 'mentions_year', field: 'text', pattern: '\\b(19|20)\\d\\d\\b', label: 'HAM' }],
  ['regex', { name: 'checkmarks', field: 'text', pattern: '✔', label: 'SPAM' }],
  ['template', { name: 'promo_author', field: 'author', operator: 'startswith', value: 'promo_', label: 'SPAM' }],
  ['template', { name: 'user_author', field: 'author', operator: 'startswith', value: 'user_', label: 'HAM' }],
  ['template', { name: 'few_likes', field: 'likes', operator: '<', value: 3, label: 'SPAM' }],
  ['template', { name: 'well_liked', field: 'likes', operator: '>', value: 20, label: 'HAM' }],
  ['template', { name: 'says_lol', field: 'text', operator: 'contains', value: 'lol', label: 'HAM' }],
  ['template', { name: 'double_bang', field: 'text', operator: 'contains', value: '!!', label: 'SPAM' }],
  ['template', { name: 'gangnam', field: 'video', operator: '==', value: 'Psy - Gangnam Style', label: 'HAM' }],
  ['template', { name: 'second_half_2024', field: 'posted_at', operator: '>=', value: '2024-07-01T00:00:00Z', label: 'HAM' }],
  ['template', { name: 'instagram', field: 'text', operator: 'contains', value: 'instagram', label: 'SPAM' }],
  ['template', { name: 'ends_with_ever', field: 'text', operator: 'endswith', value: 'ever', label: 'HAM' }],
];

/** The demo index as one Parquet file, generated once per row count and kept in the temp folder. */
async function demoParquet(rows: number): Promise<string> {
  const file = join(tmpdir(), `reef-bench-demo-${rows}.parquet`);
  if (existsSync(file)) return file;
  const started = performance.now();
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`COPY (SELECT * EXCLUDE (true_label) FROM (${demoCommentsSql(rows)})) TO '${file}.tmp' (FORMAT parquet)`);
  renameSync(`${file}.tmp`, file);
  console.log(`generated ${rows.toLocaleString('en')} demo rows in ${((performance.now() - started) / 1000).toFixed(1)} s (not timed below)`);
  return file;
}

function startWorker(databaseUrl: string, storeRoot: string): Promise<{ child: ChildProcess; peak: Promise<number> }> {
  const child = spawn(process.execPath, [new URL('./server-worker.ts', import.meta.url).pathname], {
    env: { ...process.env, REEF_BENCH_DATABASE_URL: databaseUrl, REEF_BENCH_STORE: storeRoot }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve) => {
    const peak = new Promise<number>((done) => child.on('exit', () => done(Number(/"peak_rss_mb":(\d+)/.exec(out)?.[1] ?? NaN))));
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve({ child, peak });
    });
  });
}

async function main() {
  const index = await demoParquet(ROWS);
  const dbName = `reef_bench_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  const storeRoot = mkdtempSync(join(tmpdir(), 'reef-bench-store-'));
  const database = await openDatabase({ url: databaseUrl });
  try {
    await migrateDatabase(database);
    const store = new LocalObjectStore(storeRoot);
    const boss = await openQueue({ database, databaseUrl });
    await ensureTrainingQueues(boss);
    const db = database.db;
    const app = createApp({ db, secret: 'bench', databaseKind: 'postgres', store, trainer: { db, store, boss } });
    await db.insert(apiTokens).values({ name: 'bench', role: 'admin', tokenHash: await hashToken('bench-token') });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await app.request(path, { method, headers: { Authorization: 'Bearer bench-token', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const json = await res.json() as Record<string, any>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const concept = await call('POST', '/api/concepts', { name: 'demo spam', values: ['HAM', 'SPAM'] });
    const asset = await registerFixtureAsset(db, store, { conceptId: concept.c_id, kind: 'indexes', name: 'comments', keyColumn: 'id', files: [index] });
    const lfIds: string[] = [];
    for (const [type, body] of LFS) lfIds.push((await call('POST', `/api/concepts/${concept.c_id}/labeling-functions/${type}`, body)).lf_id);

    const loadBefore = loadavg()[0]!;
    const results: { workers: number; seconds: number; peaks: number[]; metrics: TrainMetrics }[] = [];
    for (const workers of [1, 2]) {
      const started = await Promise.all(Array.from({ length: workers }, () => startWorker(databaseUrl, storeRoot)));
      const t0 = performance.now();
      const job = await call('POST', `/api/concepts/${concept.c_id}/snorkel/run`, {
        selectedIndex: asset.assetId, selectedRules: [], selectedLFs: lfIds,
        snorkel: { epochs: 100, lr: 0.01, output_type: 'softmax' }, model: 'snorkel', seed: 123,
      });
      let run: typeof runs.$inferSelect | undefined;
      for (;;) {
        [run] = await db.select().from(runs).where(eq(runs.id, job.run_id));
        if (['SUCCESS', 'FAILURE', 'CANCELED'].includes(run!.status)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const seconds = (performance.now() - t0) / 1000;
      for (const { child } of started) child.kill('SIGTERM');
      const peaks = await Promise.all(started.map((s) => s.peak));
      if (run!.status !== 'SUCCESS') throw new Error(`run with ${workers} worker(s) ended ${run!.status}: ${JSON.stringify(run!.error)}`);
      results.push({ workers, seconds, peaks, metrics: run!.metrics as TrainMetrics });
    }
    await boss.stop({ graceful: false, close: true });

    const m = results[0]!.metrics;
    console.log(`\nreef bench:server — ${ROWS.toLocaleString('en')} rows, ${LFS.length} template/regex LFs, snorkel (100 epochs), softmax, k=2, ${m.artifacts.parts.length} units`);
    console.log(`coverage ${m.coverage.toFixed(3)}, conflict ${m.conflict.toFixed(3)}, avg confidence ${m.avg_confidence?.toFixed(3)}, labels ${JSON.stringify(m.label_distribution)}, fit ${m.fit.fit_ms} ms`);
    // Worker processes only scale while cores are free: other load on the machine shows in the speedup.
    console.log(`machine: ${availableParallelism()} cores; 1-minute load average ${loadBefore.toFixed(2)} before the runs, ${loadavg()[0]!.toFixed(2)} after`);
    console.log('workers | end-to-end s | rows/s     | peak RSS per worker (MB)');
    for (const r of results) {
      console.log(`${String(r.workers).padStart(7)} | ${r.seconds.toFixed(1).padStart(12)} | ${Math.round(ROWS / r.seconds).toLocaleString('en').padStart(10)} | ${r.peaks.join(', ')}`);
    }
    const speedup = results[0]!.seconds / results[1]!.seconds;
    const maxPeak = Math.max(...results.flatMap((r) => r.peaks));
    const same = JSON.stringify({ ...results[0]!.metrics, duration_s: 0, artifacts: 0, fit: { ...results[0]!.metrics.fit, fit_ms: 0 } })
      === JSON.stringify({ ...results[1]!.metrics, duration_s: 0, artifacts: 0, fit: { ...results[1]!.metrics.fit, fit_ms: 0 } });
    console.log(`baseline (1 worker) ${results[0]!.seconds.toFixed(1)} s; 2 workers ${speedup.toFixed(2)}x faster (target >= 1.6x)`);
    console.log(`targets: 2 workers <= 90 s: ${results[1]!.seconds <= 90 ? 'met' : 'MISSED'}; peak RSS <= 1024 MB per worker: ${maxPeak <= 1024 ? 'met' : 'MISSED'} (max ${maxPeak} MB); speedup >= 1.6x: ${speedup >= 1.6 ? 'met' : 'MISSED'}`);
    console.log(`1-worker and 2-worker runs give identical metrics: ${same}`);
  } finally {
    await database.close();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    rmSync(storeRoot, { recursive: true, force: true });
  }
}

await main();
