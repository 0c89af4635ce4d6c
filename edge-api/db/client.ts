// Opens the definitions store: PostgreSQL when a URL is given, else embedded PGlite in a data folder.
// Both speak the same schema and the same migrations (drizzle/).
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The connection URL, for PostgreSQL (the queue opens its own pool on it). */
  url?: string;
  /** The PGlite instance, when embedded (pg-boss and the tests reach it directly). */
  pglite?: import('@electric-sql/pglite').PGlite;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export async function openDatabase(opts: { url?: string; dataDir?: string }): Promise<Database> {
  if (opts.url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const client = postgres(opts.url, { max: 10, onnotice: () => {} });
    return { db: drizzle(client, { schema }), kind: 'postgres', url: opts.url, close: () => client.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const pglite = await PGlite.create(opts.dataDir ?? 'memory://');
  return { db: drizzle(pglite, { schema }), kind: 'pglite', pglite, close: () => pglite.close() };
}

/** Applies the committed migrations; safe to run on every start. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    await migrate(database.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    await migrate(database.db as never, { migrationsFolder });
  }
}
