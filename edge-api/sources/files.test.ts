import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../storage/index.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { S3ObjectStore } from '../storage/s3.ts';
import { startS3TestServer } from '../storage/s3-test-server.ts';
import type { S3TestServer } from '../storage/s3-test-server.ts';
import { FilesSource } from './files.ts';

let scratch: string;
let s3: S3TestServer;
let parquetBytes: Uint8Array;

const CSV = 'id,body,created_at\n1,free money now,2024-01-01 10:00:00\n2,see you at lunch,2024-01-02 11:30:00\n3,"win a prize, click",2024-01-03 09:15:00\n';

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'reef-files-test-'));
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  await connection.run(`COPY (SELECT i::BIGINT AS id, i % 2 = 0 AS is_spam FROM range(1, 4) t(i)) TO '${join(scratch, 'labels.parquet')}' (FORMAT parquet)`);
  connection.closeSync();
  duck.closeSync();
  parquetBytes = new Uint8Array(await readFile(join(scratch, 'labels.parquet')));
  s3 = await startS3TestServer('reef-files');
});

afterAll(async () => {
  await s3?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function withFiles(store: ObjectStore): Promise<FilesSource> {
  await store.put('connections/7/files/comments.csv', CSV);
  await store.put('connections/7/files/labels.parquet', parquetBytes);
  await store.put('connections/7/files/notes.txt', 'not a table');
  await store.put('connections/8/files/other.csv', 'secret\n1\n');
  return new FilesSource({ store, prefix: 'connections/7/files/', previewTimeoutMs: 5_000 });
}

const backends: [string, () => ObjectStore][] = [
  ['local store', () => new LocalObjectStore(join(scratch, 'store'))],
  ['S3 store', () => new S3ObjectStore({ ...s3.options, prefix: 'files-test/' })],
];

for (const [name, makeStore] of backends) {
  describe(`FilesSource over the ${name}`, () => {
    let source: FilesSource;
    beforeAll(async () => {
      source = await withFiles(makeStore());
    });

    it('exposes each CSV and Parquet file as a table', async () => {
      expect((await source.testConnection()).serverVersion).toMatch(/^DuckDB v?\d.* over 2 file\(s\)$/);
      const tables = await source.listSchema();
      expect(tables.map((t) => [t.name, t.columns.map((c) => `${c.name}:${c.type}`)])).toEqual([
        ['comments', ['id:BIGINT', 'body:VARCHAR', 'created_at:TIMESTAMP']],
        ['labels', ['id:BIGINT', 'is_spam:BOOLEAN']],
      ]);
    });

    it('previews a join with bound parameters', async () => {
      const preview = await source.preview(
        'SELECT c.id, c.body, l.is_spam FROM comments c JOIN labels l USING (id) WHERE c.created_at >= :since ORDER BY c.id',
        { since: '2024-01-02' },
      );
      expect(preview.columns.map((c) => [c.name, c.type])).toEqual([['id', 'BIGINT'], ['body', 'VARCHAR'], ['is_spam', 'BOOLEAN']]);
      expect(preview.rows).toEqual([
        { id: '2', body: 'see you at lunch', is_spam: true },
        { id: '3', body: 'win a prize, click', is_spam: false },
      ]);
    });

    it('refuses direct file access and blocks it at run time too', async () => {
      await expect(source.preview("SELECT * FROM read_csv('/etc/passwd')", {})).rejects.toMatchObject({ code: 'SOURCE_REFUSED' });
      await expect(source.preview('SELECT * FROM other', {})).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
      // Even SQL that never went through the guard cannot read outside the connection's files or lift the limit.
      const attempts = await source.withQuery('SELECT 1', {}, {}, async (_query, { connection }) => {
        const outcomes: string[] = [];
        for (const sql of ["SELECT * FROM read_text('/etc/passwd')", 'SET enable_external_access = true', "INSTALL httpfs"]) {
          outcomes.push(await connection.run(sql).then(() => 'ran', (e: Error) => e.message.split('\n')[0]));
        }
        return outcomes;
      });
      expect(attempts[0]).toMatch(/Permission Error/);
      expect(attempts[1]).toMatch(/locked/);
      expect(attempts[2]).not.toBe('ran');
    });

    it('refuses table functions that run SQL given as text, which would carry SQL past the guard', async () => {
      const hidden = (inner: string) => `SELECT * FROM json_execute_serialized_sql(json_serialize_sql('${inner.replaceAll("'", "''")}'))`;
      for (const sql of [
        hidden('SELECT name, value FROM duckdb_settings()'),
        hidden("SELECT * FROM read_text('/etc/hostname')"),
        "SELECT * FROM query('SELECT * FROM duckdb_settings()')",
        "SELECT * FROM comments c, LATERAL query_table('labels') q",
        'SELECT * FROM checkpoint()',
        'SELECT * FROM ROWS FROM (generate_series(1, 2), enable_logging())',
      ]) {
        const error = await source.preview(sql, {}).catch((e) => e);
        expect(error, sql).toMatchObject({ code: 'SOURCE_REFUSED', details: { guardCode: 'SQL_FORBIDDEN_CLAUSE' } });
        expect(error.message, sql).toMatch(/table function \w+\(\) is not allowed in a files source/);
      }
      const generated = await source.preview('SELECT i FROM generate_series(1, 3) t(i) JOIN comments c ON c.id = t.i ORDER BY i', {});
      expect(generated.rows).toEqual([{ i: '1' }, { i: '2' }, { i: '3' }]);
    });

    it('cancels a query that runs past the timeout', async () => {
      const started = Date.now();
      await expect(
        source.preview('SELECT sum(hash(i)) FROM range(100000000000) t(i)', {}, { timeoutMs: 300 }),
      ).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('interrupts the running query when the signal aborts, and says so', async () => {
      const controller = new AbortController();
      const running = source.preview('SELECT sum(hash(i)) FROM range(100000000000) t(i)', {}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      await expect(running).rejects.toMatchObject({ code: 'SOURCE_CANCELED' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('translates DuckDB errors with the asset', async () => {
      const error = await source.preview('SELECT id,\n  nope\nFROM comments', {}, { asset: 'index "all"' }).catch((e) => e);
      expect(error).toMatchObject({ code: 'SOURCE_NOT_FOUND', details: { asset: 'index "all"' } });
      expect(error.message).toMatch(/index "all".*nope/s);
    });
  });
}
