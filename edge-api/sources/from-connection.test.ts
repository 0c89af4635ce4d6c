// needs: postgresql mariadb (vitest.config.ts skips this file when one is unreachable)
// A stored connection's statement_timeout_s bounds the queries a materialization runs (PostgreSQL COPY, MySQL row
// stream) and, capped at 30 s, its previews.
import { describe, expect, it } from 'vitest';
import type { databaseConnections } from '../db/schema.ts';
import { translateSourceError } from './errors.ts';
import { sourceForConnection, statementTimeouts } from './from-connection.ts';
import type { MysqlSource } from './mysql.ts';
import type { PostgresSource } from './postgres.ts';

type Row = typeof databaseConnections.$inferSelect;
const row = (over: Partial<Row>): Row => ({
  id: crypto.randomUUID(), name: 'src', connectionType: 'postgresql', host: '127.0.0.1', port: 5432, database: 'postgres',
  username: 'postgres', encryptedPassword: null, options: {}, trustedWriterRole: false, trustedWriterRoleBy: null,
  trustedWriterRoleAt: null, statementTimeoutS: 900, createdAt: new Date(), updatedAt: new Date(), ...over,
});

describe('statement_timeout_s', () => {
  it('is the materialization timeout, and the preview timeout up to 30 s', () => {
    expect(statementTimeouts({ statementTimeoutS: 900 })).toEqual({ queryTimeoutMs: 900_000, previewTimeoutMs: 30_000 });
    expect(statementTimeouts({ statementTimeoutS: 5 })).toEqual({ queryTimeoutMs: 5_000, previewTimeoutMs: 5_000 });
  });

  it('cancels a materialization query on PostgreSQL and MariaDB once it has run that long', async () => {
    const pg = (await sourceForConnection(row({ statementTimeoutS: 1 }), { secret: 'x' })) as PostgresSource;
    const started = performance.now();
    // The stream's error reaches the consumer as the driver raised it; the materializer translates it.
    const copied = pg.copyCsv('select pg_sleep(5) is null as slept', {}, {}, async (_c, csv) => { for await (const _ of csv); });
    expect(translateSourceError(await copied.catch((e: unknown) => e))).toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(4_000);

    const my = (await sourceForConnection(row({ connectionType: 'mysql', port: 3306, database: 'mysql', username: 'root', statementTimeoutS: 1 }), { secret: 'x' })) as MysqlSource;
    const again = performance.now();
    const heavy = 'SELECT COUNT(*) AS n FROM information_schema.columns a, information_schema.columns b, information_schema.columns c';
    const streamed = my.streamRows(heavy, {}, {}, async (_c, batches) => { for await (const _ of batches); });
    expect(translateSourceError(await streamed.catch((e: unknown) => e))).toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(performance.now() - again).toBeLessThan(4_000);
  });
});
