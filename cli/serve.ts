import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../edge-api/config.ts';
import { openConfiguredDatabase, openRuntime, startServer, webDist } from '../edge-api/node.ts';

const webRoot = fileURLToPath(new URL('../web', import.meta.url));
/** The isomorphic core the web bundle imports (LF engines, analysis, label model): a change there is a change to the app. */
const sharedRoot = fileURLToPath(new URL('../shared', import.meta.url));

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** Builds web/dist when it is missing or older than the web sources or shared/ (a fresh clone, or after a pull). */
export async function buildWebIfNeeded(): Promise<void> {
  const built = join(webDist, 'index.html');
  const sources = [join(webRoot, 'src'), join(webRoot, 'index.html'), join(webRoot, 'vite.config.ts'), sharedRoot].filter(existsSync);
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  console.log('reef: building the web app (web/dist)…');
  const { build } = await import('vite');
  await build({ configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
}

export function registerServeCommand(program: Command): void {
  program.command('serve')
    .description('Serve the API and the web app; embedded PGlite and a local object store unless DATABASE_URL / S3_* are set')
    .option('--no-build', 'do not build the web app even if it is missing or stale')
    .action(async (opts: { build: boolean }) => {
      const config = loadConfig();
      if (opts.build) await buildWebIfNeeded();
      const running = await startServer(config, {
        inProcessWorker: process.env.REEF_INPROCESS_WORKER !== '0',
        demo: process.env.REEF_DEMO !== '0',
      });
      console.log(`Reef is running (${running.database.kind === 'pglite' ? `embedded, data in ${config.dataDir}` : 'PostgreSQL'}).`);
      console.log(`Open ${running.url}/?token=${running.token}`);
      console.log(`Admin token: ${running.token}`);
      const stop = async () => { await running.close(); process.exit(0); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program.command('worker')
    .description('Take materialization and training jobs from the queue; run as many as the data needs (needs DATABASE_URL)')
    .option('--concurrency <n>', 'materialization jobs this process runs at once (default REEF_WORKER_CONCURRENCY, else 2)')
    .action(async (opts: { concurrency?: string }) => {
      const config = loadConfig();
      if (!config.databaseUrl) {
        console.error('reef worker: set DATABASE_URL to the PostgreSQL that reef serve uses (the embedded database serves one process; reef serve runs its own worker).');
        process.exit(2);
      }
      const runtime = await openRuntime(config);
      const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
        console.error(`reef worker: --concurrency must be a whole number of jobs, 1 or more; got "${opts.concurrency}".`);
        process.exit(2);
      }
      await runtime.startWorker(concurrency === undefined ? {} : { concurrency });
      console.log(`reef worker: waiting for jobs (pid ${process.pid}).`);
      const stop = async () => { await runtime.close(); process.exit(0); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program.command('migrate')
    .description('Apply the database migrations (drizzle/) to DATABASE_URL, or to the embedded database in REEF_DATA_DIR')
    .action(async () => {
      const config = loadConfig();
      const database = await openConfiguredDatabase(config);
      await database.close();
      console.log(`reef: migrations applied (${database.kind}).`);
    });
}
