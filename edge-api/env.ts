import type { OpenAPIHono } from '@hono/zod-openapi';
import type { CachedReads } from './db/cached-reads.ts';
import type { ChangeFeed } from './db/change-feed.ts';
import type { Db } from './db/client.ts';
import type { MaterializeContext } from './materialize/runs.ts';
import type { TrainingContext } from './training/train.ts';
import type { Principal } from './security/principal.ts';
import type { ObjectStore } from './storage/index.ts';

/** What routes get from the runtime entry point (node.ts or worker.ts). */
export interface AppDeps {
  db: Db;
  /** Seals connection passwords (REEF_SECRET). */
  secret: string;
  /** Database kind, for /api/health. */
  databaseKind: string;
  /** Reef's own PostgreSQL (DATABASE_URL), which no connection may point at. */
  databaseUrl?: string;
  /** Where assets, uploaded files and results live; absent on Workers (definitions only). */
  store?: ObjectStore;
  /** Present where this process can queue runs and reach the object store (Node); absent on Workers. */
  materializer?: MaterializeContext;
  /** Present where this process can queue training runs and read their results (Node); absent on Workers. */
  trainer?: TrainingContext;
  /** Where Swagger UI's files are served (Node serves swagger-ui-dist itself, so /api/docs works offline); absent: its CDN. */
  docsAssetsUrl?: string;
  /** Statement timeout of every preview, instead of each connection's own (tests use a short one). */
  previewTimeoutMs?: number;
  /** Committed changes to Reef's tables (Node): lets the API keep repeated reads (db/cached-reads.ts). */
  changes?: ChangeFeed;
}


export interface AppEnv {
  Variables: { deps: AppDeps; principal: Principal; reads: CachedReads };
}

export type Router = OpenAPIHono<AppEnv>;
