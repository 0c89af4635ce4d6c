// npm run bench:materialize — 2,000,000 rows (id bigint, text, double, timestamptz, category) from the machine's
// PostgreSQL to one Parquet object in S3 (s3rver on 127.0.0.1), against psql's `\copy (query) to '/dev/null'` on the
// same query in the same run. Prints rows/s, the peak RSS of the process doing the materialization (a child process,
// read from its /proc/self/status VmHWM; it first materializes 1,000 rows, as a long-lived worker would have), and the
// ratio. Target: >= 80% of psql's rows/s, peak RSS < 500 MB. Then where the time goes: the source's CSV alone (read and
// dropped), the same materialization to a local folder (no upload), and psql's binary COPY (PostgreSQL without its
// text output), each with the CPU time of the PostgreSQL backend running the COPY (sampled from /proc: the server is
// on this machine) and of the process's main thread and DuckDB thread; and DuckDB's part alone (the same CSV, first
// saved to a file, to Parquet with the same settings): work that no faster way out of PostgreSQL would remove. Then the seed's claim that partitioning speeds
// materialization up: the same table as N id_range partitions, one worker process each, side by side.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { csvFileToParquet, streamQueryToParquet } from '../edge-api/materialize/parquet-copy.ts';
import { planPartitions } from '../edge-api/materialize/partitions.ts';
import { createPgTestDb } from '../edge-api/sources/pg-test-db.ts';
import { PostgresSource } from '../edge-api/sources/postgres.ts';
import { LocalObjectStore } from '../edge-api/storage/local.ts';
import type { ServerConnectionConfig } from '../edge-api/sources/index.ts';
import { S3ObjectStore } from '../edge-api/storage/s3.ts';
import type { S3StoreOptions } from '../edge-api/storage/s3.ts';
import { startS3TestServer } from '../edge-api/storage/s3-test-server.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const RUNS = 3;
const QUERY = 'SELECT id, body, score, created_at, category FROM bench_comments';
const KEY = 'assets/bench/indexes/comments/v1/part-00000.parquet';
const WARM_UP_KEY = 'assets/bench/indexes/warm-up/v1/part-00000.parquet';
const WARM_UP_ROWS = 1000;

type ChildJob = {
  pg: ServerConnectionConfig; s3: S3StoreOptions; sql: string; params: Record<string, string | number | null>; key: string;
  /** Where the Parquet goes: S3 (the measurement), a local folder (no upload), or nowhere: the source's CSV is only read. */
  target?: 's3' | 'local' | 'source-only' | 'duckdb-only';
  /** Sample the CPU time of the backend running the COPY; only one COPY may run on the database meanwhile. */
  measureBackend?: boolean;
};
type ChildReport = {
  rows: number; seconds: number; cpuSeconds: number; bytes: number; peakRssMb: number; startedAt: number; endedAt: number;
  /** CPU s of the PostgreSQL backend running the COPY, of this process's main thread, and of its busiest other thread (DuckDB). */
  backendCpuSeconds?: number; mainThreadCpuSeconds: number; duckdbThreadCpuSeconds: number;
};
const WORKER_COUNTS = [2, 4];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process or thread in clock ticks, from its /proc stat line; undefined once it is gone. */
function cpuTicks(statPath: string): number | undefined {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function threadTicks(): Map<string, { name: string; ticks: number }> {
  const threads = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    const ticks = cpuTicks(`/proc/self/task/${tid}/stat`);
    if (ticks !== undefined) threads.set(tid, { name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), ticks });
  }
  return threads;
}

/**
 * Follows the CPU time of the PostgreSQL backend whose process title shows a COPY on `database`, every 20 ms (it
 * exits with its session, so the last 20 ms may be missed). The title names the database and the running command.
 */
function followCopyBackend(database: string): () => number {
  let pid: string | undefined;
  let first = 0;
  let last = 0;
  const timer = setInterval(() => {
    if (!pid) {
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        let title = '';
        try { title = readFileSync(`/proc/${entry}/cmdline`, 'utf8'); } catch { continue; }
        if (title.includes(` ${database} `) && title.includes('COPY')) pid = entry;
      }
      if (!pid) return;
      first = cpuTicks(`/proc/${pid}/stat`) ?? 0;
    }
    last = cpuTicks(`/proc/${pid}/stat`) ?? last;
  }, 20);
  return () => {
    clearInterval(timer);
    return (last - first) / TICKS_PER_SECOND;
  };
}

/** The materializing process: a warm-up, one timed streamQueryToParquet, then its own peak RSS. */
async function runChild(job: ChildJob): Promise<void> {
  const source = new PostgresSource(job.pg);
  if (job.target === 'duckdb-only') return runDuckdbOnly(job, source);
  const local = job.target === 'local' ? await mkdtemp(join(tmpdir(), 'reef-bench-store-')) : undefined;
  const store = local ? new LocalObjectStore(local) : new S3ObjectStore(job.s3);
  // A worker is a long-lived process: one small materialization first loads the SQL parser, DuckDB and the S3
  // client and warms the JIT, as the worker's earlier jobs would have.
  await streamQueryToParquet(source, `${QUERY} LIMIT ${WARM_UP_ROWS}`, {}, store, WARM_UP_KEY);
  const stopFollowing = job.measureBackend ? followCopyBackend(job.pg.database) : undefined;
  const threadsBefore = threadTicks();
  const startedAt = performance.timeOrigin + performance.now();
  const cpuBefore = process.cpuUsage();
  const result = job.target === 'source-only'
    ? await source.copyCsv(job.sql, job.params, {}, async (columns, csv) => {
        let bytes = 0;
        for await (const chunk of csv) bytes += (chunk as Buffer).length;
        // Rows are not counted here: counting would add its own CPU to the stage.
        return { rowCount: -1, bytes, schema: columns };
      })
    : await streamQueryToParquet(source, job.sql, job.params, store, job.key);
  report(result, startedAt, cpuBefore, threadsBefore, stopFollowing?.());
  if (local) await rm(local, { recursive: true, force: true });
}

/** DuckDB's part alone: the query's CSV is saved to a file first (not timed), then turned into Parquet (timed). */
async function runDuckdbOnly(job: ChildJob, source: PostgresSource): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'reef-bench-duckdb-'));
  try {
    const csvPath = join(dir, 'rows.csv');
    const columns = await source.copyCsv(job.sql, job.params, {}, async (columns, csv) => {
      await pipeline(csv, createWriteStream(csvPath));
      return columns;
    });
    const threadsBefore = threadTicks();
    const startedAt = performance.timeOrigin + performance.now();
    const cpuBefore = process.cpuUsage();
    await csvFileToParquet(csvPath, columns, join(dir, 'out.parquet'), dir);
    report({ rowCount: -1, bytes: statSync(join(dir, 'out.parquet')).size }, startedAt, cpuBefore, threadsBefore, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function report(
  result: { rowCount: number; bytes: number }, startedAt: number, cpuBefore: NodeJS.CpuUsage,
  threadsBefore: ReturnType<typeof threadTicks>, backendCpuSeconds: number | undefined,
): void {
  const endedAt = performance.timeOrigin + performance.now();
  const seconds = (endedAt - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const threadSeconds = [...threadTicks()].map(([tid, { name, ticks }]) => ({ name, seconds: (ticks - (threadsBefore.get(tid)?.ticks ?? 0)) / TICKS_PER_SECOND }));
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const report: ChildReport = {
    rows: result.rowCount,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bytes: result.bytes,
    peakRssMb: Number(hwm?.[1] ?? 0) / 1024,
    startedAt,
    endedAt,
    backendCpuSeconds,
    mainThreadCpuSeconds: threadSeconds.find((t) => t.name === 'MainThread')?.seconds ?? 0,
    // DuckDB runs the COPY statement on one of libuv's pool threads (one DuckDB thread: parse and encode).
    duckdbThreadCpuSeconds: Math.max(0, ...threadSeconds.filter((t) => t.name.startsWith('libuv-worker')).map((t) => t.seconds)),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function materializeInChild(job: ChildJob): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--child', JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`child exited with ${code}`))));
  });
}

async function timePsqlCopy(pg: ServerConnectionConfig, format?: 'binary'): Promise<number> {
  const started = performance.now();
  await promisify(execFile)('psql', ['-h', pg.host, '-p', String(pg.port ?? 5432), '-U', pg.username, '-d', pg.database, '-c', `\\copy (${QUERY}) to '/dev/null'${format ? ` (format ${format})` : ''}`]);
  return (performance.now() - started) / 1000;
}

async function readBackChecksum(store: S3ObjectStore): Promise<{ rows: number; ids: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'reef-bench-'));
  try {
    const path = join(dir, 'part.parquet');
    await writeFile(path, await store.getBytes(KEY));
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    const reader = await connection.runAndReadAll(`SELECT count(*)::INT AS n, sum(id)::VARCHAR AS ids FROM read_parquet('${path}')`);
    const [row] = reader.getRowObjectsJS();
    connection.closeSync();
    duck.closeSync();
    return { rows: Number(row.n), ids: String(row.ids) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench:materialize — ${ROWS.toLocaleString('en-US')} rows, PostgreSQL -> Parquet in S3 (s3rver), ${RUNS} runs each`);
  // Both sides share the machine's CPUs with PostgreSQL and s3rver; a busy machine lowers the ratio.
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const [db, s3] = await Promise.all([createPgTestDb('bench'), startS3TestServer('reef-bench')]);
  try {
    const setupStarted = performance.now();
    await db.admin.unsafe(`
      CREATE TABLE bench_comments AS
      SELECT g::bigint AS id,
             'comment ' || g || ' ' || md5(g::text) AS body,
             (g % 100000) / 7.0::float8 AS score,
             timestamptz '2024-01-01 00:00:00.000001+00' + g * interval '1.5 second' AS created_at,
             (ARRAY['spam', 'ham', 'promo', 'news', 'other'])[1 + g % 5] AS category
      FROM generate_series(1, ${ROWS}) g`);
    await db.admin.unsafe('VACUUM ANALYZE bench_comments');
    console.log(`setup: table created in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

    const psqlSeconds: number[] = [];
    const ours: ChildReport[] = [];
    // Interleaved, so both see the same machine load.
    for (let run = 0; run < RUNS; run++) {
      psqlSeconds.push(await timePsqlCopy(db.config));
      ours.push(await materializeInChild({ pg: db.config, s3: s3.options, sql: QUERY, params: {}, key: KEY, measureBackend: true }));
      console.log(
        `run ${run + 1}: psql \\copy ${psqlSeconds[run].toFixed(2)} s; streamQueryToParquet ${ours[run].seconds.toFixed(2)} s ` +
          `(${ours[run].cpuSeconds.toFixed(1)} CPU s in the process, ${(ours[run].backendCpuSeconds ?? 0).toFixed(1)} in the PostgreSQL backend), peak RSS ${ours[run].peakRssMb.toFixed(0)} MB`,
      );
    }

    const [expected] = await db.admin`SELECT count(*)::int AS rows, sum(id)::text AS ids FROM bench_comments`;
    const stored = await readBackChecksum(new S3ObjectStore(s3.options));
    const psqlRate = ROWS / median(psqlSeconds);
    const ourRate = ROWS / median(ours.map((r) => r.seconds));
    const peak = Math.max(...ours.map((r) => r.peakRssMb));
    console.log(`psql \\copy (query) to '/dev/null' (baseline, median of ${RUNS}): ${Math.round(psqlRate).toLocaleString('en-US')} rows/s`);
    console.log(`streamQueryToParquet -> S3 (median of ${RUNS}, each in a fresh process after a ${WARM_UP_ROWS.toLocaleString('en-US')}-row warm-up): ${Math.round(ourRate).toLocaleString('en-US')} rows/s`);
    console.log(`ratio to psql: ${((ourRate / psqlRate) * 100).toFixed(1)}% (target >= 80%)`);
    console.log(`peak RSS of the materializing process: ${peak.toFixed(0)} MB (target < 500 MB)`);
    console.log(`Parquet object: ${(ours[0].bytes / 1e6).toFixed(1)} MB; read back from S3: ${stored.rows.toLocaleString('en-US')} rows, ` +
      `sum(id) ${stored.ids} (source ${expected.ids}) -> ${stored.rows === expected.rows && stored.ids === expected.ids ? 'exact' : 'MISMATCH'}`);

    console.log('');
    console.log(`## Where the time goes (median of ${RUNS}; each in a fresh process after the warm-up; CPU s of that process)`);
    // Wall time near the largest CPU figure means the stages overlap; near their sum, that they take turns.
    console.log('| stage | wall time | CPU s in the process | of it: main thread / DuckDB thread | CPU s of the PostgreSQL backend |');
    console.log('|---|---|---|---|---|');
    const stages: { name: string; reports: ChildReport[] }[] = [
      { name: 'PostgreSQL COPY … (FORMAT csv) read by the worker and dropped', reports: [] },
      { name: 'streamQueryToParquet to a local folder (no upload)', reports: [] },
    ];
    const binarySeconds: number[] = [];
    const duckdbOnly = { name: 'DuckDB alone: the same CSV from a file to Parquet (same settings, one thread)', reports: [] as ChildReport[] };
    for (let run = 0; run < RUNS; run++) {
      duckdbOnly.reports.push(await materializeInChild({ pg: db.config, s3: s3.options, sql: QUERY, params: {}, key: KEY, target: 'duckdb-only' }));
      stages[0].reports.push(await materializeInChild({ pg: db.config, s3: s3.options, sql: QUERY, params: {}, key: KEY, target: 'source-only', measureBackend: true }));
      stages[1].reports.push(await materializeInChild({ pg: db.config, s3: s3.options, sql: QUERY, params: {}, key: KEY, target: 'local', measureBackend: true }));
      binarySeconds.push(await timePsqlCopy(db.config, 'binary'));
    }
    for (const { name, reports } of [...stages, { name: 'streamQueryToParquet to S3 (above)', reports: ours }, duckdbOnly]) {
      const at = (pick: (r: ChildReport) => number) => median(reports.map(pick)).toFixed(2);
      console.log(`| ${name} | ${at((r) => r.seconds)} s | ${at((r) => r.cpuSeconds)} | ${at((r) => r.mainThreadCpuSeconds)} / ` +
        `${name.startsWith('PostgreSQL') ? '–' : at((r) => r.duckdbThreadCpuSeconds)} | ${reports[0]!.backendCpuSeconds === undefined ? '–' : at((r) => r.backendCpuSeconds ?? 0)} |`);
    }
    console.log(`| psql \\copy … (format binary) to '/dev/null': PostgreSQL without its text output | ${median(binarySeconds).toFixed(2)} s | (psql) | | |`);
    console.log(`| psql \\copy … to '/dev/null' (baseline, above) | ${median(psqlSeconds).toFixed(2)} s | (psql) | | |`);

    console.log('');
    console.log(`## Partitions: 1 vs N id_range partitions, one worker process per partition (the seed claimed 6x); median of ${RUNS}`);
    console.log('| partitions = workers | wall time | rows/s | vs 1 partition | vs psql \\copy | peak RSS per worker |');
    console.log('|---|---|---|---|---|---|');
    const oneSeconds = median(ours.map((r) => r.seconds));
    console.log(`| 1 | ${oneSeconds.toFixed(2)} s | ${Math.round(ourRate).toLocaleString('en-US')} | 1.00x | ${(ourRate / psqlRate).toFixed(2)}x | ${peak.toFixed(0)} MB |`);
    for (const workers of WORKER_COUNTS) {
      const parts = planPartitions(QUERY, 'id_range', { column: 'id', start: 1, end: ROWS + 1, size: Math.ceil(ROWS / workers) }, 'postgresql');
      const walls: number[] = [];
      let workerPeak = 0;
      for (let run = 0; run < RUNS; run++) {
        const reports = await Promise.all(parts.map((part, i) => materializeInChild({
          pg: db.config, s3: s3.options, sql: part.sql, params: part.params, key: KEY.replace('part-00000', `part-${String(i).padStart(5, '0')}`),
        })));
        if (reports.reduce((sum, r) => sum + r.rows, 0) !== ROWS) throw new Error(`the ${workers} partitions did not cover the ${ROWS} rows`);
        walls.push((Math.max(...reports.map((r) => r.endedAt)) - Math.min(...reports.map((r) => r.startedAt))) / 1000);
        workerPeak = Math.max(workerPeak, ...reports.map((r) => r.peakRssMb));
      }
      const wall = median(walls);
      console.log(`| ${workers} | ${wall.toFixed(2)} s | ${Math.round(ROWS / wall).toLocaleString('en-US')} | ${(oneSeconds / wall).toFixed(2)}x | ${(ROWS / wall / psqlRate).toFixed(2)}x | ${workerPeak.toFixed(0)} MB |`);
    }
    console.log(`(${cpus().length} CPUs shared by PostgreSQL, s3rver and the workers: partitions help only as far as cores are free.)`);
  } finally {
    await Promise.all([db.drop(), s3.stop()]);
  }
}

if (process.argv[2] === '--child') await runChild(JSON.parse(process.argv[3]) as ChildJob);
else await main();
