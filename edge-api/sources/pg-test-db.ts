// A throwaway database on the machine's PostgreSQL (127.0.0.1:5432, user postgres), for tests and benchmarks.
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import type { ServerConnectionConfig } from './index.ts';

export type PgTestDb = {
  config: ServerConnectionConfig;
  /** A superuser connection to the throwaway database, for fixtures and for checking it afterwards. */
  admin: postgres.Sql;
  /**
   * A login that may only read the database's tables (SELECT on every table the admin creates in public, now or
   * later): what Reef's writer-role check accepts as a source connection. `config` is the superuser.
   */
  reader: ServerConnectionConfig;
  drop: () => Promise<void>;
};

const SERVER = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), username: process.env.PGUSER ?? 'postgres' };

export async function createPgTestDb(label: string): Promise<PgTestDb> {
  const suffix = randomBytes(4).toString('hex');
  const database = `reef_${label}_${suffix}`;
  const reader = `reef_reader_${label}_${suffix}`;
  const server = postgres({ ...SERVER, database: 'postgres', max: 1, onnotice: () => {} });
  await server.unsafe(`CREATE DATABASE ${database}`);
  await server.unsafe(`CREATE ROLE ${reader} LOGIN`);
  await server.end();
  const admin = postgres({ ...SERVER, database, max: 2, onnotice: () => {} });
  await admin.unsafe(`GRANT USAGE ON SCHEMA public TO ${reader}; ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${reader}`);
  return {
    config: { ...SERVER, database },
    admin,
    reader: { ...SERVER, database, username: reader },
    drop: async () => {
      await admin.end();
      const again = postgres({ ...SERVER, database: 'postgres', max: 1, onnotice: () => {} });
      await again.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await again.unsafe(`DROP ROLE IF EXISTS ${reader}`);
      await again.end();
    },
  };
}
