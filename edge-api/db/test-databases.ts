// One behaviour suite, two backends: every database test runs against embedded PGlite and the real PostgreSQL
// (TEST_DATABASE_URL; a throwaway database per test file, dropped afterwards).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import { migrateDatabase, migrationsFolder, openDatabase, type Database } from './client.ts';

export interface Backend { name: 'pglite' | 'postgres'; open(): Promise<Database>; dispose(): Promise<void> }

/** A fresh PGlite takes seconds to initdb; start from a migrated snapshot kept in tmp, keyed by the migrations. */
async function openPglite(): Promise<Database> {
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsFolder).sort()) if (f.endsWith('.sql')) hash.update(readFileSync(join(migrationsFolder, f)));
  const snapshot = join(tmpdir(), `reef-pglite-${hash.digest('hex').slice(0, 16)}.tar.gz`);
  if (existsSync(snapshot)) {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const schema = await import('./schema.ts');
    const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(snapshot)]) });
    return { db: drizzle(pglite, { schema }) as never, kind: 'pglite', pglite, close: () => pglite.close() };
  }
  const database = await openDatabase({});
  await migrateDatabase(database);
  const dump = await database.pglite!.dumpDataDir('gzip');
  writeFileSync(`${snapshot}.${process.pid}`, Buffer.from(await dump.arrayBuffer()));
  const { renameSync } = await import('node:fs');
  renameSync(`${snapshot}.${process.pid}`, snapshot);
  return database;
}

export const testDatabaseUrl = process.env.TEST_DATABASE_URL;

/** A migrated database of its own on TEST_DATABASE_URL's server; `drop` removes it whatever is connected. */
export async function createThrowawayPostgres(prefix: string): Promise<{ database: Database; url: string; drop(): Promise<void> }> {
  const dbName = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = () => postgres(testDatabaseUrl!, { max: 1, onnotice: () => {} });
  const sql = admin();
  await sql.unsafe(`create database ${dbName}`);
  await sql.end();
  const url = new URL(testDatabaseUrl!);
  url.pathname = `/${dbName}`;
  const database = await openDatabase({ url: url.toString() });
  await migrateDatabase(database);
  return {
    database,
    url: url.toString(),
    async drop() {
      const again = admin();
      await again.unsafe(`drop database if exists ${dbName} with (force)`);
      await again.end();
    },
  };
}

export function backends(): Backend[] {
  let drop = async () => {};
  return [
    { name: 'pglite', open: openPglite, dispose: async () => {} },
    {
      name: 'postgres',
      async open() {
        const created = await createThrowawayPostgres('reef_test');
        drop = created.drop;
        return created.database;
      },
      dispose: () => drop(),
    },
  ];
}

const tables = [
  'run_events', 'partition_executions', 'asset_versions', 'labeling_function_versions', 'labeling_functions',
  'concept_rules', 'concept_indexes', 'pipelines', 'gold_labels', 'runs', 'concept_values', 'concepts',
  'database_connections', 'api_tokens',
];

export async function truncateAll(database: Database) {
  await database.db.execute(`truncate ${tables.join(', ')} cascade`);
}

/**
 * Runs `suite` once per backend. `get()` gives the open database inside tests; tables are emptied before each test.
 * PostgreSQL runs when TEST_DATABASE_URL is set; otherwise its tests are reported as skipped.
 */
export function describeDatabases(name: string, suite: (get: () => Database, backend: Backend['name']) => void) {
  for (const backend of backends()) {
    describe.skipIf(backend.name === 'postgres' && !testDatabaseUrl)(`${name} [${backend.name}]`, () => {
      let database: Database;
      beforeAll(async () => { database = await backend.open(); });
      afterAll(async () => { await database?.close(); await backend.dispose(); });
      beforeEach(async () => { await truncateAll(database); });
      suite(() => database, backend.name);
    });
  }
}
