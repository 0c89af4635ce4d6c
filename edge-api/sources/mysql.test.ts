// needs: mariadb (vitest.config.ts skips this file when one is unreachable)
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlTestDb } from './mysql-test-db.ts';
import type { MysqlTestDb } from './mysql-test-db.ts';
import { MysqlSource } from './mysql.ts';

let db: MysqlTestDb;
let source: MysqlSource;

beforeAll(async () => {
  db = await createMysqlTestDb('mysource');
  await db.admin.query(`
    CREATE SEQUENCE comment_seq START WITH 1000;
    CREATE TABLE comments (
      id BIGINT PRIMARY KEY,
      body TEXT,
      score DOUBLE,
      amount DECIMAL(12,2),
      created_at DATETIME(6),
      seen_at TIMESTAMP(6) NULL,
      is_spam TINYINT(1),
      payload VARBINARY(16)
    );
    INSERT INTO comments
      SELECT seq, CONCAT('comment ', seq), seq / 4, seq * 1.25, '2024-01-01 00:00:00.123456' + INTERVAL seq MINUTE,
             NULL, seq % 2 = 0, UNHEX('00FF')
      FROM seq_1_to_500;
    INSERT INTO comments VALUES (9007199254740993, '', NULL, NULL, NULL, '2024-05-06 07:08:09.654321', NULL, NULL);
    CREATE FUNCTION sneaky_insert() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO comments (id, body) VALUES (-1, 'x'); RETURN 1; END;
    CREATE FUNCTION sneaky_nextval() RETURNS BIGINT MODIFIES SQL DATA RETURN NEXTVAL(comment_seq);
    CREATE FUNCTION sneaky_lock() RETURNS INT NO SQL RETURN GET_LOCK('reef_test_lock', 0);
  `);
  source = new MysqlSource({ ...db.config, previewTimeoutMs: 5_000 });
});

afterAll(async () => {
  await db?.drop();
});

async function sourceUnchanged() {
  const [[row]] = (await db.admin.query(
    'SELECT COUNT(*) AS n, CAST(SUM(id) AS CHAR) AS s, (SELECT NEXT_NOT_CACHED_VALUE FROM comment_seq) AS seq FROM comments',
  )) as unknown as [[{ n: number; s: string; seq: number }]];
  expect(row).toEqual({ n: 501, s: String(125250n + 9007199254740993n), seq: 1000 });
}

describe('MysqlSource (MariaDB)', () => {
  it('tests the connection and reports the server', async () => {
    expect((await source.testConnection()).serverVersion).toMatch(/^(MariaDB|MySQL) \d+/);
  });

  it('lists tables and columns for completion', async () => {
    const tables = await source.listSchema();
    expect(tables.map((t) => t.name)).toContain('comments');
    const comments = tables.find((t) => t.name === 'comments')!;
    expect(comments.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'bigint(20)'], ['body', 'text'], ['score', 'double'], ['amount', 'decimal(12,2)'],
      ['created_at', 'datetime(6)'], ['seen_at', 'timestamp(6)'], ['is_spam', 'tinyint(1)'], ['payload', 'varbinary(16)'],
    ]);
  });

  it('previews at most `limit` rows with exact values and DuckDB column types', async () => {
    const preview = await source.preview('SELECT * FROM comments ORDER BY id DESC', {}, { limit: 2 });
    expect(preview.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'], ['body', 'VARCHAR'], ['score', 'DOUBLE'], ['amount', 'DECIMAL(12,2)'],
      ['created_at', 'TIMESTAMP'], ['seen_at', 'TIMESTAMP WITH TIME ZONE'], ['is_spam', 'BOOLEAN'], ['payload', 'BLOB'],
    ]);
    expect(preview.rows).toEqual([
      { id: '9007199254740993', body: '', score: null, amount: null, created_at: null, seen_at: '2024-05-06 07:08:09.654321', is_spam: null, payload: null },
      { id: '500', body: 'comment 500', score: 125, amount: '625.00', created_at: '2024-01-01 08:20:00.123456', seen_at: null, is_spam: true, payload: '\\x00ff' },
    ]);
    expect((await source.preview('SELECT id FROM comments', {})).rows).toHaveLength(100);
  });

  it('binds :name parameters as values, never as SQL', async () => {
    const preview = await source.preview('SELECT id FROM comments WHERE id BETWEEN :lo AND :hi AND body <> :x ORDER BY id', {
      lo: 10, hi: 12, x: "'; DROP TABLE comments; --",
    });
    expect(preview.rows.map((r) => r.id)).toEqual(['10', '11', '12']);
    expect((await source.preview('SELECT id FROM comments WHERE body = :b', { b: "x' OR '1'='1" })).rows).toEqual([]);
    await expect(source.preview('SELECT :missing', {})).rejects.toMatchObject({ code: 'SOURCE_PARAM' });
    await sourceUnchanged();
  });

  it('refuses hostile SQL before it reaches the database, leaving it unchanged', async () => {
    const hostile = [
      'SELECT 1; DELETE FROM comments',
      'DELETE FROM comments',
      'DROP TABLE comments',
      "SELECT * INTO OUTFILE '/tmp/reef-stolen' FROM comments",
      'SELECT * FROM comments FOR UPDATE',
      'SELECT * FROM comments LOCK IN SHARE MODE',
      "SELECT GET_LOCK('x', 0)",
      'SELECT nextval(comment_seq)',
      'SELECT setval(comment_seq, 1)',
    ];
    for (const sql of hostile) {
      await expect(source.preview(sql, {}), sql).rejects.toMatchObject({ code: expect.stringMatching(/SOURCE_REFUSED|SOURCE_SYNTAX/) });
    }
    await sourceUnchanged();
  });

  it('blocks writes hidden in stored functions with the read-only transaction', async () => {
    for (const sql of ['SELECT sneaky_insert()', 'SELECT sneaky_nextval()']) {
      await expect(source.preview(sql, {}), sql).rejects.toMatchObject({ code: 'SOURCE_READ_ONLY', transient: false });
    }
    await sourceUnchanged();
  });

  it('cancels a query that runs past the statement timeout', async () => {
    const started = Date.now();
    await expect(source.preview('SELECT SLEEP(10) FROM comments', {}, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers a time-limit error, never a wrong row, when MariaDB cuts BENCHMARK short', async () => {
    // An interrupted BENCHMARK returns 0 with neither an error nor a warning: the preview used to show {"id":0}.
    const slow = 'SELECT BENCHMARK(100000000000, MD5(\'x\')) AS id';
    await expect(source.preview(slow, {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT', transient: false });
    await expect(source.preview('SELECT id, BENCHMARK(IF(id = 1, 100000000000, 0), MD5(\'x\')) AS b FROM comments ORDER BY id', {}, { timeoutMs: 500, limit: 1 }))
      .rejects.toMatchObject({ code: 'SOURCE_TIMEOUT' });
    let consumed = 0;
    await expect(source.streamRows(slow, {}, { timeoutMs: 500 }, async (_columns, batches) => {
      for await (const batch of batches) consumed += batch.length;
    })).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT' });
    expect(consumed).toBe(0);
    // A query that finishes in time is untouched by the check.
    expect((await source.preview('SELECT BENCHMARK(10, MD5(\'x\')) AS id', {}, { timeoutMs: 5_000 })).rows).toEqual([{ id: 0 }]);
  });

  it('kills the running statement on the server when the signal aborts, and says so', async () => {
    const controller = new AbortController();
    const streaming = source.streamRows('SELECT BENCHMARK(100000000000, MD5(\'cancel me\')) AS b', {}, { signal: controller.signal }, async (_columns, batches) => {
      for await (const _ of batches);
    });
    streaming.catch(() => {});
    const running = async () => {
      const [rows] = await db.admin.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '%cancel me%' AND ID <> CONNECTION_ID()");
      return Number((rows as { n: number }[])[0]!.n);
    };
    await waitUntil(async () => (await running()) === 1);
    const canceledAt = Date.now();
    controller.abort();
    await expect(streaming).rejects.toMatchObject({ code: 'SOURCE_CANCELED', transient: false });
    await waitUntil(async () => (await running()) === 0);
    expect(Date.now() - canceledAt).toBeLessThan(5_000);
  });

  it('leaves no named lock behind after the query', async () => {
    const preview = await source.preview('SELECT sneaky_lock() AS locked', {});
    expect(preview.rows).toEqual([{ locked: 1 }]);
    const other = await mysql.createConnection({ host: db.config.host, port: db.config.port, user: db.config.username });
    try {
      const [[row]] = (await other.query("SELECT IS_FREE_LOCK('reef_test_lock') AS free")) as unknown as [[{ free: number }]];
      expect(row.free).toBe(1);
    } finally {
      await other.end();
    }
  });

  it('translates database errors with the asset', async () => {
    const error = await source.preview('SELECT id,\n  no_such_column\nFROM comments', {}, { asset: 'rule "long_body"' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'SOURCE_NOT_FOUND', transient: false, details: { asset: 'rule "long_body"' } });
    expect(error.message).toMatch(/in rule "long_body".*no_such_column/);
  });

  it('reports an unreachable server as transient and a bad login as SOURCE_AUTH', async () => {
    await expect(new MysqlSource({ ...db.config, port: 1 }).testConnection()).rejects.toMatchObject({ code: 'SOURCE_CONNECTION_REFUSED', transient: true });
    await expect(new MysqlSource({ ...db.config, username: 'no_such_reef_user' }).testConnection()).rejects.toMatchObject({ code: 'SOURCE_AUTH' });
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
