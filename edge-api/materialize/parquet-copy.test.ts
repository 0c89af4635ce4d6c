// needs: postgresql mariadb (vitest.config.ts skips this file when one is unreachable)
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesSource } from '../sources/files.ts';
import { createMysqlTestDb } from '../sources/mysql-test-db.ts';
import type { MysqlTestDb } from '../sources/mysql-test-db.ts';
import { MysqlSource } from '../sources/mysql.ts';
import { createPgTestDb } from '../sources/pg-test-db.ts';
import type { PgTestDb } from '../sources/pg-test-db.ts';
import { PostgresSource } from '../sources/postgres.ts';
import type { ObjectStore } from '../storage/index.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { S3ObjectStore } from '../storage/s3.ts';
import { startS3TestServer } from '../storage/s3-test-server.ts';
import type { S3TestServer } from '../storage/s3-test-server.ts';
import { isTransientMaterializeError, streamQueryToParquet } from './parquet-copy.ts';

let scratch: string;
let s3: S3TestServer;
let pg: PgTestDb;
let my: MysqlTestDb;
let duck: DuckDBInstance;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'reef-materialize-test-'));
  [s3, pg, my, duck] = await Promise.all([
    startS3TestServer('reef-materialize'),
    createPgTestDb('materialize'),
    createMysqlTestDb('materialize'),
    DuckDBInstance.create(':memory:'),
  ]);
  await pg.admin.unsafe(`
    CREATE TYPE color AS ENUM ('red', 'green');
    CREATE TABLE everything (
      id bigint, small smallint, i int, big bigint, f4 real, f8 double precision, amount numeric(12,2), free_numeric numeric,
      body text, vc varchar(10), ch char(3), flag boolean, d date, ts timestamp, tstz timestamptz, t time, u uuid,
      bin bytea, js jsonb, int_list int[], text_list text[], tstz_list timestamptz[], iv interval, c color
    );
    INSERT INTO everything VALUES
      (1, 7, 42, 9223372036854775807, 1.5, 0.1, 12345678.91, 3.14159, E'hello, "world"\\nsecond line', '', 'ab', true,
       '2024-02-29', '2024-01-01 12:34:56.123456', '2024-06-01 10:00:00.654321+02', '13:45:10.5',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{"a": [1, 2]}', '{1,NULL,3}', '{"x,y","",NULL}',
       '{"2024-01-01 00:00:00.000001+00"}', '1 day 02:00:00', 'red'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL),
      (3, -32768, -2147483648, -9223372036854775808, -0.25, 'Infinity', -0.01, -1e-10, '', 'x', 'z', false,
       '1970-01-01', '1900-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', '00:00:00', '00000000-0000-0000-0000-000000000000',
       '\\x', '[]', '{}', '{""}', '{}', '0', 'green');
    CREATE TABLE odd AS SELECT g, CASE WHEN g = 40000 THEN 'NaN'::numeric ELSE g END::numeric(10,2) AS amount
      FROM generate_series(1, 50000) g;
    CREATE TABLE many AS
      SELECT g::bigint AS id, CASE WHEN g % 10 = 0 THEN NULL WHEN g % 7 = 0 THEN '' ELSE repeat('é', g % 13) || g END AS body,
             g * 0.5::float8 AS score, timestamptz '2024-01-01 00:00:00.000001+00' + g * interval '1.000001 second' AS ts,
             'cat' || (g % 5) AS category
      FROM generate_series(1, 30000) g;
  `);
  await my.admin.query(`
    CREATE TABLE everything (
      id BIGINT, tiny TINYINT, flag TINYINT(1), small SMALLINT, med MEDIUMINT, i INT, ui INT UNSIGNED, big BIGINT,
      ubig BIGINT UNSIGNED, f FLOAT, d DOUBLE, amount DECIMAL(12,2), body TEXT, vc VARCHAR(10), bin VARBINARY(8),
      dt DATE, dtt DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME, js JSON, e ENUM('red','green')
    );
    INSERT INTO everything VALUES
      (1, -128, 1, -32768, 8388607, -2147483648, 4294967295, 9223372036854775807, 18446744073709551615, 1.5, 0.1,
       12345678.91, 'hello, "world"\nsecond line', '', UNHEX('00FF10'), '2024-02-29', '2024-01-01 12:34:56.123456',
       '2024-06-01 08:00:00.654321', '13:45:10', '{"a": [1, 2]}', 'red'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 0, 0, 0, 0, 0, 0, -9223372036854775808, 0, -0.25, -1e300, -0.01, '', 'x', UNHEX(''), '1970-01-01',
       '1900-01-01 00:00:00', '1970-01-01 00:00:01', '00:00:00', '[]', 'green');
    CREATE TABLE many AS
      SELECT seq AS id, CASE WHEN seq % 10 = 0 THEN NULL WHEN seq % 7 = 0 THEN '' ELSE CONCAT(REPEAT('é', seq % 13), seq) END AS body,
             seq * 0.5 AS score, TIMESTAMP('2024-01-01 00:00:00.000001') + INTERVAL seq SECOND AS ts
      FROM seq_1_to_20000;
  `);
});

afterAll(async () => {
  await Promise.all([s3?.stop(), pg?.drop(), my?.drop()]);
  duck?.closeSync();
  await rm(scratch, { recursive: true, force: true });
});

/** Reads a stored Parquet object back with DuckDB (values as DuckDB's JSON-safe forms). */
async function readBack(store: ObjectStore, key: string, select = 'SELECT * FROM read_parquet({file}) ORDER BY id') {
  const path = join(scratch, `${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(path, await store.getBytes(key));
  const connection = await duck.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const reader = await connection.runAndReadAll(select.replaceAll('{file}', `'${path}'`));
    return reader.getRowObjectsJson();
  } finally {
    connection.closeSync();
  }
}

const stores: [string, () => ObjectStore][] = [
  ['local store', () => new LocalObjectStore(join(scratch, 'store'))],
  ['S3 store', () => new S3ObjectStore({ ...s3.options, prefix: 'mat/' })],
];

describe('streamQueryToParquet from PostgreSQL', () => {
  for (const [name, makeStore] of stores) {
    it(`keeps every column type exactly (${name})`, async () => {
      const store = makeStore();
      const source = new PostgresSource(pg.config);
      const result = await streamQueryToParquet(source, 'SELECT * FROM everything', {}, store, 'assets/c/indexes/a/v1/part-00000.parquet');
      expect(result.rowCount).toBe(3);
      expect(result.bytes).toBe((await store.head('assets/c/indexes/a/v1/part-00000.parquet'))?.size);
      expect(Object.fromEntries(result.schema.map((c) => [c.name, c.type]))).toEqual({
        id: 'BIGINT', small: 'SMALLINT', i: 'INTEGER', big: 'BIGINT', f4: 'FLOAT', f8: 'DOUBLE', amount: 'DECIMAL(12,2)',
        free_numeric: 'DOUBLE', body: 'VARCHAR', vc: 'VARCHAR', ch: 'VARCHAR', flag: 'BOOLEAN', d: 'DATE', ts: 'TIMESTAMP',
        tstz: 'TIMESTAMP WITH TIME ZONE', t: 'TIME', u: 'UUID', bin: 'BLOB', js: 'VARCHAR', int_list: 'INTEGER[]',
        text_list: 'VARCHAR[]', tstz_list: 'TIMESTAMP WITH TIME ZONE[]', iv: 'VARCHAR', c: 'VARCHAR',
      });
      const rows = await readBack(store, 'assets/c/indexes/a/v1/part-00000.parquet');
      expect(rows[0]).toEqual({
        id: '1', small: 7, i: 42, big: '9223372036854775807', f4: 1.5, f8: 0.1, amount: '12345678.91', free_numeric: 3.14159,
        body: 'hello, "world"\nsecond line', vc: '', ch: 'ab ', flag: true, d: '2024-02-29', ts: '2024-01-01 12:34:56.123456',
        tstz: '2024-06-01 08:00:00.654321+00', t: '13:45:10.5', u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', bin: '\\x00\\xFF\\x10',
        js: '{"a": [1, 2]}', int_list: [1, null, 3], text_list: ['x,y', '', null], tstz_list: ['2024-01-01 00:00:00.000001+00'],
        iv: '1 day 02:00:00', c: 'red',
      });
      expect(Object.entries(rows[1]).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
      expect(rows[2]).toMatchObject({
        small: -32768, i: -2147483648, big: '-9223372036854775808', f4: -0.25, f8: 'Infinity', amount: '-0.01',
        free_numeric: -1e-10, body: '', flag: false, tstz: '1969-12-31 23:59:59.999999+00', bin: '', int_list: [], text_list: [''],
        tstz_list: [], c: 'green',
      });
      // The object is all the store holds: no temp object beside it.
      expect((await store.list('')).map((o) => o.key)).toEqual(['assets/c/indexes/a/v1/part-00000.parquet']);
    });
  }

  it('keeps dates and timestamps before the Common Era and infinite ones, alone and in arrays (PostgreSQL writes "… BC")', async () => {
    await pg.admin.unsafe(`
      CREATE TABLE eras AS SELECT *, ARRAY[d, date '2024-02-29', NULL] AS d_list, ARRAY[ts] AS ts_list, ARRAY[tstz, NULL] AS tstz_list FROM (VALUES
        (1, date '4713-01-01 BC', timestamp '4713-01-01 10:30:00.5 BC', timestamptz '0044-03-15 12:00:00+00 BC'),
        (2, date '0001-02-29 BC', timestamp '0001-12-31 23:59:59 BC', timestamptz '0001-01-01 00:00:00+00'),
        (3, date 'infinity', timestamp '-infinity', timestamptz 'infinity'),
        (4, date '2024-02-29', timestamp '2024-01-01 00:00:00', timestamptz '2024-06-01 10:00:00+02')
      ) AS t(id, d, ts, tstz)`);
    const store = new LocalObjectStore(join(scratch, 'store-eras'));
    await streamQueryToParquet(new PostgresSource(pg.config), 'SELECT * FROM eras', {}, store, 'e/part-0.parquet');
    // DuckDB writes a year before the Common Era as "(BC)" after the date.
    expect(await readBack(store, 'e/part-0.parquet', 'SELECT id, d::VARCHAR AS d, ts::VARCHAR AS ts, tstz::VARCHAR AS tstz FROM read_parquet({file}) ORDER BY id')).toEqual([
      { id: 1, d: '4713-01-01 (BC)', ts: '4713-01-01 (BC) 10:30:00.5', tstz: '0044-03-15 (BC) 12:00:00+00' },
      { id: 2, d: '0001-02-29 (BC)', ts: '0001-12-31 (BC) 23:59:59', tstz: '0001-01-01 00:00:00+00' },
      { id: 3, d: 'infinity', ts: '-infinity', tstz: 'infinity' },
      { id: 4, d: '2024-02-29', ts: '2024-01-01 00:00:00', tstz: '2024-06-01 08:00:00+00' },
    ]);
    // Arrays travel as JSON, whose timestamps have a "T": the same values, element by element.
    const lists = await readBack(store, 'e/part-0.parquet', 'SELECT id, d_list::VARCHAR AS d, ts_list::VARCHAR AS ts, tstz_list::VARCHAR AS tstz FROM read_parquet({file}) ORDER BY id');
    expect(lists.map((r) => [r.d, r.ts, r.tstz])).toEqual([
      ["['4713-01-01 (BC)', 2024-02-29, NULL]", "['4713-01-01 (BC) 10:30:00.5']", "['0044-03-15 (BC) 12:00:00+00', NULL]"],
      ["['0001-02-29 (BC)', 2024-02-29, NULL]", "['0001-12-31 (BC) 23:59:59']", "['0001-01-01 00:00:00+00', NULL]"],
      ['[infinity, 2024-02-29, NULL]', '[-infinity]', '[infinity, NULL]'],
      ['[2024-02-29, 2024-02-29, NULL]', "['2024-01-01 00:00:00']", "['2024-06-01 08:00:00+00', NULL]"],
    ]);
  });

  it('writes zstd Parquet a JavaScript reader (hyparquet) decodes, timestamps adjusted to UTC with microseconds', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-hyparquet'));
    await streamQueryToParquet(new PostgresSource(pg.config), 'SELECT id, big, amount, tstz, int_list, text_list FROM everything ORDER BY id', {}, store, 'h/part-0.parquet');
    const bytes = await store.getBytes('h/part-0.parquet');
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const metadata = parquetMetadata(file);
    expect(metadata.row_groups[0].columns.map((c) => c.meta_data?.codec)).toEqual(Array(6).fill('ZSTD'));
    const tstz = metadata.schema.find((e) => e.name === 'tstz');
    expect(tstz?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' });
    const rows = await parquetReadObjects({ file, compressors });
    expect(rows.map((r) => r.id)).toEqual([1n, 2n, 3n]);
    expect(rows[0]).toMatchObject({ big: 9223372036854775807n, amount: 12345678.91, int_list: [1, null, 3], text_list: ['x,y', '', null] });
    expect((rows[0].tstz as Date).toISOString()).toBe('2024-06-01T08:00:00.654Z');
  });

  it('writes many rows with checksums equal to the source, binding parameters, in row groups', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-many'));
    const progress: number[] = [];
    const sql = 'SELECT * FROM many WHERE ts >= :since AND category <> :skip ORDER BY id';
    const params = { since: '2024-01-01 00:00:10+00', skip: 'cat4' };
    const result = await streamQueryToParquet(new PostgresSource(pg.config), sql, params, store, 'x/part-0.parquet', {
      rowGroupSize: 5000,
      progressEveryRows: 5000,
      onProgress: (rows) => void progress.push(rows),
    });
    const [expected] = await pg.admin`
      SELECT count(*)::int AS n, sum(id)::text AS ids, sum(octet_length(body))::text AS bytes, count(*) FILTER (WHERE body IS NULL)::int AS nulls,
             count(*) FILTER (WHERE body = '')::int AS empties, sum((extract(epoch FROM ts) * 1000000)::bigint)::text AS micros, sum(score)::float8 AS score
      FROM many WHERE ts >= '2024-01-01 00:00:10+00' AND category <> 'cat4'`;
    expect(result.rowCount).toBe(expected.n);
    const [actual] = await readBack(store, 'x/part-0.parquet', `
      SELECT count(*)::INT AS n, sum(id)::VARCHAR AS ids, sum(strlen(body))::VARCHAR AS bytes, count(*) FILTER (WHERE body IS NULL)::INT AS nulls,
             count(*) FILTER (WHERE body = '')::INT AS empties, sum(epoch_us(ts))::VARCHAR AS micros, sum(score) AS score FROM read_parquet({file})`);
    expect(actual).toEqual(expected);
    const [groups] = await readBack(store, 'x/part-0.parquet', 'SELECT count(DISTINCT row_group_id)::INT AS n FROM parquet_metadata({file})');
    expect(groups.n).toBeGreaterThan(1);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.every((rows, i) => rows <= expected.n && (i === 0 || rows > progress[i - 1]))).toBe(true);
  });

  it('fails cleanly when the query fails mid-stream: SQL error code, nothing stored', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-fail'));
    const source = new PostgresSource(pg.config);
    await expect(
      streamQueryToParquet(source, 'SELECT g, 1 / (g - 25000) AS boom FROM generate_series(1, 30000) g', {}, store, 'f/part-0.parquet', { asset: 'index "boom"' }),
    ).rejects.toMatchObject({ code: 'SOURCE_QUERY', transient: false, message: /index "boom".*division by zero/ });
    await expect(
      streamQueryToParquet(source, 'SELECT g, pg_sleep(0.001) FROM generate_series(1, 100000) g', {}, store, 'f/part-0.parquet', { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(await store.list('')).toEqual([]);
  });

  it('aborts a multipart S3 upload when the query fails after several parts: nothing stored', async () => {
    const store = new S3ObjectStore({ ...s3.options, prefix: 'abort/', partSize: 5 * 1024 * 1024 });
    const parts: number[] = [];
    const send = store.client.send.bind(store.client);
    store.client.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command.constructor.name === 'UploadPartCommand') parts.push(1);
      return (send as (...a: unknown[]) => unknown)(command, ...rest);
    }) as typeof store.client.send;
    // PostgreSQL runs up to 32 MB ahead of DuckDB (pipeTo's queue), which a failure drops: it fails well after that.
    const sql = 'SELECT g, md5(g::text) || md5((g + 1)::text) AS noise, 1 / (g - 1400000) AS boom FROM generate_series(1, 1500000) g';
    await expect(streamQueryToParquet(new PostgresSource(pg.config), sql, {}, store, 'm/part-0.parquet')).rejects.toMatchObject({ code: 'SOURCE_QUERY' });
    expect(parts.length, 'parts were uploaded before the failure').toBeGreaterThan(1);
    expect(await store.list('')).toEqual([]);
  });

  it('fails cleanly when DuckDB cannot read a value, without hanging on the pipe', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-cast'));
    // NaN is a valid numeric(10,2) in PostgreSQL but has no DECIMAL(10,2) form in DuckDB.
    await expect(streamQueryToParquet(new PostgresSource(pg.config), 'SELECT * FROM odd', {}, store, 'c/part-0.parquet')).rejects.toMatchObject({
      code: 'SOURCE_QUERY',
      message: /NaN/,
    });
    expect(await store.list('')).toEqual([]);
  });

  it('fails cleanly, without hanging, when the object store cannot be reached', async () => {
    const store = new S3ObjectStore({ ...s3.options, endpoint: 'http://127.0.0.1:9', prefix: 'down/' });
    store.client.config.maxAttempts = async () => 1;
    await expect(
      streamQueryToParquet(new PostgresSource(pg.config), 'SELECT * FROM many', {}, store, 'd/part-0.parquet'),
    ).rejects.toSatisfy((error) => isTransientMaterializeError(error) && (error as { code: string }).code === 'OBJECT_STORE_UNAVAILABLE');
    // An SQL error is not worth a retry.
    await expect(
      streamQueryToParquet(new PostgresSource(pg.config), 'SELECT nope FROM many', {}, store, 'd/part-0.parquet'),
    ).rejects.toSatisfy((error) => !isTransientMaterializeError(error));
  });

  it('refuses hostile SQL before running it', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-hostile'));
    await expect(
      streamQueryToParquet(new PostgresSource(pg.config), 'WITH d AS (DELETE FROM many RETURNING *) SELECT * FROM d', {}, store, 'h/p.parquet'),
    ).rejects.toMatchObject({ code: 'SOURCE_REFUSED' });
    const [{ n }] = await pg.admin`select count(*)::int as n from many`;
    expect(n).toBe(30000);
  });
});

describe('streamQueryToParquet from MariaDB', () => {
  for (const [name, makeStore] of stores) {
    it(`keeps every column type exactly (${name})`, async () => {
      const store = makeStore();
      const result = await streamQueryToParquet(new MysqlSource(my.config), 'SELECT * FROM everything', {}, store, 'assets/m/v1/part-0.parquet');
      expect(result.rowCount).toBe(3);
      expect(Object.fromEntries(result.schema.map((c) => [c.name, c.type]))).toEqual({
        id: 'BIGINT', tiny: 'SMALLINT', flag: 'BOOLEAN', small: 'SMALLINT', med: 'INTEGER', i: 'INTEGER', ui: 'BIGINT',
        big: 'BIGINT', ubig: 'UBIGINT', f: 'FLOAT', d: 'DOUBLE', amount: 'DECIMAL(12,2)', body: 'VARCHAR', vc: 'VARCHAR',
        bin: 'BLOB', dt: 'DATE', dtt: 'TIMESTAMP', ts: 'TIMESTAMP WITH TIME ZONE', tm: 'VARCHAR', js: 'VARCHAR', e: 'VARCHAR',
      });
      const rows = await readBack(store, 'assets/m/v1/part-0.parquet');
      expect(rows[0]).toEqual({
        id: '1', tiny: -128, flag: true, small: -32768, med: 8388607, i: -2147483648, ui: '4294967295',
        big: '9223372036854775807', ubig: '18446744073709551615', f: 1.5, d: 0.1, amount: '12345678.91',
        body: 'hello, "world"\nsecond line', vc: '', bin: '\\x00\\xFF\\x10', dt: '2024-02-29', dtt: '2024-01-01 12:34:56.123456',
        ts: '2024-06-01 08:00:00.654321+00', tm: '13:45:10', js: '{"a": [1, 2]}', e: 'red',
      });
      expect(Object.entries(rows[1]).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);
      expect(rows[2]).toMatchObject({ flag: false, big: '-9223372036854775808', d: -1e300, body: '', bin: '', ts: '1970-01-01 00:00:01+00' });
      expect(await store.list('tmp/')).toEqual([]);
    });
  }

  it('streams many rows with checksums equal to the source', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-my-many'));
    const result = await streamQueryToParquet(new MysqlSource(my.config), 'SELECT * FROM many WHERE id > :lo', { lo: 100 }, store, 'm/part-0.parquet');
    const [[expected]] = (await my.admin.query(`
      SELECT COUNT(*) AS n, CAST(SUM(id) AS CHAR) AS ids, CAST(SUM(OCTET_LENGTH(body)) AS CHAR) AS bytes,
             CAST(SUM(body IS NULL) AS SIGNED) AS nulls, CAST(SUM(body = '') AS SIGNED) AS empties,
             CAST(SUM(UNIX_TIMESTAMP(CONVERT_TZ(ts, '+00:00', @@session.time_zone)) * 1000000) AS CHAR) AS micros
      FROM many WHERE id > 100`)) as unknown as [[Record<string, unknown>]];
    expect(result.rowCount).toBe(Number(expected.n));
    const [actual] = await readBack(store, 'm/part-0.parquet', `
      SELECT count(*) AS n, sum(id)::VARCHAR AS ids, sum(strlen(body))::VARCHAR AS bytes, count(*) FILTER (WHERE body IS NULL) AS nulls,
             count(*) FILTER (WHERE body = '') AS empties, sum(epoch_us(ts))::VARCHAR AS micros FROM read_parquet({file})`);
    expect({ ...actual, n: Number(actual.n), nulls: Number(actual.nulls), empties: Number(actual.empties), micros: String(actual.micros) }).toEqual({
      ...expected,
      n: Number(expected.n),
      nulls: Number(expected.nulls),
      empties: Number(expected.empties),
      micros: String(expected.micros).replace(/\.0+$/, ''),
    });
  });
});

describe('streamQueryToParquet from files', () => {
  it('copies a DuckDB query over uploaded files into Parquet', async () => {
    const store = new LocalObjectStore(join(scratch, 'store-files'));
    await store.put('connections/1/files/comments.csv', 'id,body\n1,free money\n2,\n3,"hi, there"\n');
    const source = new FilesSource({ store, prefix: 'connections/1/files/' });
    const result = await streamQueryToParquet(source, 'SELECT id, upper(body) AS body FROM comments WHERE id >= :lo;', { lo: 2 }, store, 'assets/f/v1/part-0.parquet');
    expect(result).toMatchObject({ rowCount: 2, schema: [{ name: 'id', type: 'BIGINT' }, { name: 'body', type: 'VARCHAR' }] });
    expect(await readBack(store, 'assets/f/v1/part-0.parquet')).toEqual([
      { id: '2', body: null },
      { id: '3', body: 'HI, THERE' },
    ]);
  });
});
