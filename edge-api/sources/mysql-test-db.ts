// A throwaway database on the machine's MariaDB/MySQL (127.0.0.1:3306, root, no password), for tests and benchmarks.
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import type { ServerConnectionConfig } from './index.ts';

export type MysqlTestDb = {
  config: ServerConnectionConfig;
  /** A root connection to the throwaway database (multiple statements allowed), for fixtures and checks. */
  admin: mysql.Connection;
  /** A user with SELECT on the database only: what Reef's writer-role check accepts. `config` is root. */
  reader: ServerConnectionConfig;
  drop: () => Promise<void>;
};

const SERVER = { host: process.env.MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.MYSQL_PORT ?? 3306), username: process.env.MYSQL_USER ?? 'root' };

export async function createMysqlTestDb(label: string): Promise<MysqlTestDb> {
  const suffix = randomBytes(4).toString('hex');
  const database = `reef_${label}_${suffix}`;
  const reader = `reef_reader_${suffix}`;
  const admin = await mysql.createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.username, multipleStatements: true });
  await admin.query(`CREATE DATABASE ${database}; CREATE USER '${reader}'@'%'; GRANT SELECT ON ${database}.* TO '${reader}'@'%'; USE ${database}`);
  return {
    config: { ...SERVER, database },
    admin,
    reader: { ...SERVER, database, username: reader },
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database}; DROP USER IF EXISTS '${reader}'@'%'`);
      await admin.end();
    },
  };
}
