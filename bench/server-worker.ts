// One training worker process for bench/server.ts: takes training jobs until SIGTERM, then prints its peak RSS.
import { openDatabase } from '../edge-api/db/client.ts';
import { openQueue } from '../edge-api/runs/queue.ts';
import { registerTrainingHandlers } from '../edge-api/training/train-worker.ts';
import { LocalObjectStore } from '../edge-api/storage/local.ts';

const url = process.env.REEF_BENCH_DATABASE_URL!;
const database = await openDatabase({ url });
const boss = await openQueue({ database, databaseUrl: url });
await registerTrainingHandlers(boss, { db: database.db, store: new LocalObjectStore(process.env.REEF_BENCH_STORE!), boss });
process.on('SIGTERM', () => {
  // maxRSS is in kilobytes, and counts DuckDB's native memory as well as the JS heap.
  process.stdout.write(`${JSON.stringify({ pid: process.pid, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`, () => process.exit(0));
});
process.stdout.write('ready\n');
