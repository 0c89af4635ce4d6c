// A throwaway database on the machine's MariaDB/MySQL (127.0.0.1:3306, root, no password), for tests and benchmarks.
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import type { ServerConnectionConfig } from './index.ts';

export type MysqlTestDb = {
  config: ServerConnectionConfig;
  /** A root connection to the throwaway database (multiple statements allowed), for fixtures and checks. */
  admin: mysql.Connection;
  drop: () => Promise<void>;
};

const SERVER = { host: process.env.MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.MYSQL_PORT ?? 3306), username: process.env.MYSQL_USER ?? 'root' };

export async function createMysqlTestDb(label: string): Promise<MysqlTestDb> {
  const database = `reef_${label}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ host: SERVER.host, port: SERVER.port, user: SERVER.username, multipleStatements: true });
  await admin.query(`CREATE DATABASE ${database}; USE ${database}`);
  return {
    config: { ...SERVER, database },
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    },
  };
}
