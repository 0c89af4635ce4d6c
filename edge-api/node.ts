// Reef on Node: the API, the built web app and an in-process worker, on one port.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { PYODIDE_PATH } from '../shared/lf/python.ts';
import { createApp, type App } from './app.ts';
import { keptValue, type ReefConfig } from './config.ts';
import { ensureToken } from './data/api-tokens.ts';
import { openChangeFeed } from './db/change-feed.ts';
import { migrateDatabase, openDatabase, type Database } from './db/client.ts';
import { seedDemo } from './demo/seed.ts';
import { openQueue } from './runs/queue.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox/sandbox.ts';
import type { TrainingContext } from './training/train.ts';
import { triggerSchedulesForAsset } from './training/train-schedule.ts';
import { registerTrainingHandlers } from './training/train-worker.ts';
import { createMaterializer, startWorker, type WorkerOptions } from './runs/worker.ts';
import { withCrossOriginIsolation } from './security/isolation.ts';
import { generateToken, hashToken } from './security/secrets.ts';
import type { ObjectStore } from './storage/index.ts';
import { LocalObjectStore } from './storage/local.ts';
import { S3ObjectStore } from './storage/s3.ts';

export const webDist = fileURLToPath(new URL('../web/dist', import.meta.url));

/**
 * Serves the built studio from `root` for every GET the API does not answer; /api stays the API's, so an unknown
 * API path is a JSON 404, never the studio's page. Parquet and other assets are served as they are: no on-the-fly
 * compression, so range requests stay exact.
 */
export function mountWebApp(app: App, root: string): void {
  const files = serveStatic({ root });
  const page = serveStatic({ root, path: 'index.html' });
  const outsideApi = (handler: MiddlewareHandler): MiddlewareHandler => (c, next) => (isApiPath(c.req.path) ? next() : handler(c, next));
  app.get('*', outsideApi(files));
  app.get('*', outsideApi(page));
}

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/');

/**
 * The embedded database belongs to one process at a time (PGlite is not a server): a pid file in the data folder
 * says which, so a second `reef` on the same folder stops with a clear message instead of corrupting it.
 */
function lockDataDir(dataDir: string): () => void {
  const pidFile = `${dataDir}/reef.pid`;
  const holder = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (holder && holder !== process.pid) {
    let alive = true;
    try { process.kill(holder, 0); } catch { alive = false; }
    if (alive) {
      throw new Error(`Another reef process (pid ${holder}) is using the data folder ${dataDir}. Stop it first, or set DATABASE_URL so several processes can share a PostgreSQL.`);
    }
  }
  writeFileSync(pidFile, String(process.pid));
  return () => rmSync(pidFile, { force: true });
}

export async function openConfiguredDatabase(config: ReefConfig): Promise<Database> {
  const unlock = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/pgdata` });
  await migrateDatabase(database);
  const close = database.close;
  return { ...database, close: async () => { await close(); unlock(); } };
}

/** The admin token: REEF_ADMIN_TOKEN, or one generated once and kept in the data folder. Its hash is ensured in the DB. */
export async function ensureAdminToken(database: Database, config: ReefConfig): Promise<string> {
  const token = config.adminToken ?? keptValue(config.dataDir, 'admin-token', () => generateToken());
  await ensureToken(database.db, { name: 'admin', role: 'admin', tokenHash: await hashToken(token) });
  return token;
}

/** S3 when S3_BUCKET is set, else a folder in the data directory. */
export function openObjectStore(config: ReefConfig): ObjectStore {
  return config.s3 ? new S3ObjectStore(config.s3) : new LocalObjectStore(`${config.dataDir}/objects`);
}

/** What a Node process needs to queue and run jobs: the database, the object store, the queue. */
export async function openRuntime(config: ReefConfig) {
  const database = await openConfiguredDatabase(config);
  const store = openObjectStore(config);
  const boss = await openQueue({ databaseUrl: config.databaseUrl, database });
  const materializer = {
    ...createMaterializer({ db: database.db, store, boss, secret: config.secret }),
    onNewVersion: async (assetId: string) => { await triggerSchedulesForAsset(boss, assetId); },
  };
  const trainer: TrainingContext = {
    db: database.db, store, boss, mlflowTrackingUri: config.mlflowTrackingUri,
    ...(config.customLfBudgetMs ? { sandbox: { ...DEFAULT_SANDBOX_LIMITS, runBudgetMs: config.customLfBudgetMs } } : {}),
  };
  return {
    database, store, boss, materializer, trainer,
    /** Makes this process a worker too: materialization and training jobs. */
    async startWorker(opts: WorkerOptions = {}) {
      await startWorker(materializer, { concurrency: config.workerConcurrency, ...opts });
      await registerTrainingHandlers(boss, trainer);
    },
    async close() {
      await boss.stop({ graceful: true, timeout: 5_000 });
      await database.close();
    },
  };
}

export interface RunningServer { url: string; token: string; server: ServerType; database: Database; close(): Promise<void> }

/**
 * Pyodide's files, from the installed npm package, for Python LFs in the browser's sandbox. That sandbox has an
 * opaque origin, so these answer any origin (CORS) and may be embedded cross-origin; they are public code.
 */
function servePyodide(app: App): void {
  const root = dirname(createRequire(import.meta.url).resolve('pyodide'));
  app.use(`${PYODIDE_PATH}*`, async (c, next) => {
    await next();
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    c.header('Cache-Control', 'public, max-age=86400');
  });
  app.get(`${PYODIDE_PATH}*`, serveStatic({ root, rewriteRequestPath: (path) => path.slice(PYODIDE_PATH.length - 1) }));
}

/** Swagger UI's files for /api/docs, from the installed swagger-ui-dist package (no CDN: the docs work offline). */
const DOCS_ASSETS_PATH = '/docs-assets';
function serveSwaggerUi(app: App): void {
  const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const prefix = `${DOCS_ASSETS_PATH}/swagger-ui-dist/`;
  app.get(`${prefix}*`, serveStatic({ root, rewriteRequestPath: (path) => path.slice(prefix.length - 1) }));
}

export interface ServeOptions {
  /** Run a worker in this process too (REEF_INPROCESS_WORKER=0 turns it off). */
  inProcessWorker?: boolean;
  /** Create the demo concept when the database has none (REEF_DEMO=0 turns it off). */
  demo?: boolean;
}

export async function startServer(config: ReefConfig, opts: ServeOptions = {}): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  const { database, store, materializer, trainer } = runtime;
  const token = await ensureAdminToken(database, config);
  const changes = await openChangeFeed(database);
  const app = createApp({ db: database.db, secret: config.secret, databaseKind: database.kind, databaseUrl: config.databaseUrl, store, materializer, trainer, docsAssetsUrl: DOCS_ASSETS_PATH, changes });
  if (opts.inProcessWorker ?? true) await runtime.startWorker();
  servePyodide(app);
  serveSwaggerUi(app);
  if (existsSync(webDist)) mountWebApp(app, webDist);
  const server = await new Promise<ServerType>((resolveServer) => {
    const s = serve({ fetch: withCrossOriginIsolation(app.fetch), port: config.port, hostname: config.host }, () => resolveServer(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  if (opts.demo ?? true) await seedDemo({ app, token, store, materialize: true });
  return {
    url, token, server, database,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await changes.close();
      await runtime.close();
    },
  };
}
