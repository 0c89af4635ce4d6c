// A throwaway database on the machine's PostgreSQL (127.0.0.1:5432, user postgres), for tests and benchmarks.
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import type { ServerConnectionConfig } from './index.ts';

export type PgTestDb = {
  config: ServerConnectionConfig;
  /** A superuser connection to the throwaway database, for fixtures and for checking it afterwards. */
  admin: postgres.Sql;
  drop: () => Promise<void>;
};

const SERVER = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), username: process.env.PGUSER ?? 'postgres' };

export async function createPgTestDb(label: string): Promise<PgTestDb> {
  const database = `reef_${label}_${randomBytes(4).toString('hex')}`;
  const server = postgres({ ...SERVER, database: 'postgres', max: 1, onnotice: () => {} });
  await server.unsafe(`CREATE DATABASE ${database}`);
  await server.end();
  const admin = postgres({ ...SERVER, database, max: 2, onnotice: () => {} });
  return {
    config: { ...SERVER, database },
    admin,
    drop: async () => {
      await admin.end();
      const again = postgres({ ...SERVER, database: 'postgres', max: 1, onnotice: () => {} });
      await again.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await again.end();
    },
  };
}
