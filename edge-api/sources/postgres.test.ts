// needs: postgresql (vitest.config.ts skips this file when one is unreachable)
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgTestDb } from './pg-test-db.ts';
import type { PgTestDb } from './pg-test-db.ts';
import { PostgresSource } from './postgres.ts';

let db: PgTestDb;
let source: PostgresSource;

beforeAll(async () => {
  db = await createPgTestDb('pgsource');
  await db.admin.unsafe(`
    CREATE SEQUENCE comment_seq START 1000;
    CREATE TABLE comments (
      id bigint PRIMARY KEY,
      body text,
      score double precision,
      amount numeric(12,2),
      created_at timestamptz,
      tags text[],
      is_spam boolean
    );
    INSERT INTO comments
      SELECT g, 'comment ' || g, g / 4.0, g * 1.25, timestamptz '2024-01-01 00:00:00.123456+00' + g * interval '1 minute',
             ARRAY['t' || (g % 3)], g % 2 = 0
      FROM generate_series(1, 500) g;
    INSERT INTO comments VALUES (9007199254740993, '', NULL, NULL, NULL, NULL, NULL);
    -- Functions a DBA might have defined: the guard cannot see inside them, so the runtime limits must hold.
    CREATE FUNCTION sneaky_insert() RETURNS int LANGUAGE sql AS $$ INSERT INTO comments (id, body) VALUES (-1, 'x') RETURNING 1 $$;
    CREATE FUNCTION sneaky_nextval() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('comment_seq') $$;
    CREATE FUNCTION sneaky_lock() RETURNS int LANGUAGE sql AS $$ SELECT pg_advisory_lock(4242); SELECT 1 $$;
    CREATE FUNCTION sneaky_setting() RETURNS text LANGUAGE sql AS $$ SELECT set_config('work_mem', '1MB', false) $$;
  `);
  source = new PostgresSource({ ...db.config, previewTimeoutMs: 5_000 });
});

afterAll(async () => {
  await db?.drop();
});

async function sourceUnchanged() {
  const [row] = await db.admin`select count(*)::int as n, sum(id)::text as s, (select last_value from comment_seq)::int as seq from comments`;
  expect(row).toEqual({ n: 501, s: String(125250n + 9007199254740993n), seq: 1000 });
}

describe('PostgresSource', () => {
  it('tests the connection and reports the server version', async () => {
    expect((await source.testConnection()).serverVersion).toMatch(/^PostgreSQL \d+/);
  });

  it('lists tables and columns for completion', async () => {
    const tables = await source.listSchema();
    const comments = tables.find((t) => t.schema === 'public' && t.name === 'comments');
    expect(comments?.columns.map((c) => c.name)).toEqual(['id', 'body', 'score', 'amount', 'created_at', 'tags', 'is_spam']);
    expect(comments?.columns[0].type).toBe('bigint');
  });

  it('previews at most `limit` rows with exact values and DuckDB column types', async () => {
    const preview = await source.preview('SELECT * FROM comments ORDER BY id DESC', {}, { limit: 3 });
    expect(preview.columns.map((c) => [c.name, c.type, c.sourceType])).toEqual([
      ['id', 'BIGINT', 'bigint'],
      ['body', 'VARCHAR', 'text'],
      ['score', 'DOUBLE', 'double precision'],
      ['amount', 'DECIMAL(12,2)', 'numeric(12,2)'],
      ['created_at', 'TIMESTAMP WITH TIME ZONE', 'timestamp with time zone'],
      ['tags', 'VARCHAR[]', 'text[]'],
      ['is_spam', 'BOOLEAN', 'boolean'],
    ]);
    expect(preview.rows).toHaveLength(3);
    expect(preview.rows[0]).toEqual({ id: '9007199254740993', body: '', score: null, amount: null, created_at: null, tags: null, is_spam: null });
    expect(preview.rows[1]).toEqual({
      id: '500',
      body: 'comment 500',
      score: 125,
      amount: '625.00',
      created_at: '2024-01-01 08:20:00.123456+00',
      tags: ['t2'],
      is_spam: true,
    });
    expect(JSON.parse(JSON.stringify(preview.rows))).toEqual(preview.rows);
    expect((await source.preview('SELECT id FROM comments', {})).rows).toHaveLength(100);
  });

  it('binds :name parameters as values, never as SQL', async () => {
    const preview = await source.preview('SELECT id FROM comments WHERE id BETWEEN :lo AND :hi AND body <> :x ORDER BY id', {
      lo: 10,
      hi: 12,
      x: "'; DROP TABLE comments; --",
    });
    expect(preview.rows.map((r) => r.id)).toEqual(['10', '11', '12']);
    await expect(source.preview("SELECT id FROM comments WHERE body = :b", { b: "x' OR '1'='1" })).resolves.toMatchObject({ rows: [] });
    await expect(source.preview('SELECT :missing::int', {})).rejects.toMatchObject({ code: 'SOURCE_PARAM', message: /:missing/ });
    await sourceUnchanged();
  });

  it('refuses hostile SQL before it reaches the database, leaving it unchanged', async () => {
    const hostile = [
      'SELECT 1; DELETE FROM comments',
      'DELETE FROM comments',
      'DROP TABLE comments',
      'WITH gone AS (DELETE FROM comments RETURNING *) SELECT count(*) FROM gone',
      'SELECT * INTO stolen FROM comments',
      'COPY comments TO STDOUT',
      'SELECT * FROM comments FOR UPDATE',
      "SELECT setval('comment_seq', 1)",
      "SELECT nextval('comment_seq')",
      'SELECT pg_advisory_lock(1)',
    ];
    for (const sql of hostile) {
      await expect(source.preview(sql, {}), sql).rejects.toMatchObject({ code: 'SOURCE_REFUSED' });
    }
    await sourceUnchanged();
  });

  it('blocks writes hidden in functions with the read-only transaction', async () => {
    for (const sql of ['SELECT sneaky_insert()', 'SELECT sneaky_nextval()']) {
      await expect(source.preview(sql, {}), sql).rejects.toMatchObject({ code: 'SOURCE_READ_ONLY', transient: false });
    }
    await sourceUnchanged();
  });

  it('cancels a query that runs past the statement timeout', async () => {
    const started = Date.now();
    await expect(source.preview('SELECT pg_sleep(10)', {}, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'SOURCE_TIMEOUT',
      transient: false,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('cancels the running statement on the server when the signal aborts, and says so', async () => {
    const controller = new AbortController();
    const copying = source.copyCsv('SELECT pg_sleep(600) IS NULL AS slept', {}, { signal: controller.signal }, async (_columns, csv) => {
      for await (const _ of csv);
    });
    copying.catch(() => {});
    const running = async () => (await db.admin`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY%pg_sleep(600)%'`)[0]!.n as number;
    await waitUntil(async () => (await running()) === 1);
    const canceledAt = Date.now();
    controller.abort();
    await expect(copying).rejects.toMatchObject({ code: 'SOURCE_CANCELED', transient: false });
    await waitUntil(async () => (await running()) === 0);
    expect(Date.now() - canceledAt).toBeLessThan(5_000);
  });

  it('starts nothing for a signal already aborted', async () => {
    await expect(source.copyCsv('SELECT 1 AS one', {}, { signal: AbortSignal.abort() }, async () => 0)).rejects.toMatchObject({ code: 'SOURCE_CANCELED' });
  });

  it('leaves no advisory lock or session setting behind after the query', async () => {
    const preview = await source.preview('SELECT sneaky_lock() AS locked, sneaky_setting() AS work_mem', {});
    expect(preview.rows).toEqual([{ locked: 1, work_mem: '1MB' }]);
    // Only this test database: other suites (pg-boss among them) hold advisory locks elsewhere on the server.
    const [locks] = await db.admin`
      select count(*)::int as n from pg_locks
      where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`;
    expect(locks.n).toBe(0);
    const other = postgres({ ...db.config, max: 1 });
    try {
      const [row] = await other`select pg_try_advisory_lock(4242) as got`;
      expect(row.got).toBe(true);
    } finally {
      await other.end();
    }
    const sessions = await db.admin`
      select count(*)::int as n from pg_stat_activity where application_name = 'reef-source' and datname = current_database()`;
    expect(sessions[0].n).toBe(0);
  });

  it('translates database errors with the asset and the position in the analyst SQL', async () => {
    const sql = 'SELECT id,\n  :p AS p,\n  no_such_column\nFROM comments';
    const error = await source.preview(sql, { p: 1 }, { asset: 'index "recent"' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'SOURCE_NOT_FOUND', transient: false, details: { asset: 'index "recent"', line: 3, column: 3 } });
    expect(error.message).toMatch(/in index "recent".*line 3, column 3.*no_such_column/);
    const syntax = await source.preview('SELECT id FROM comments WHERE', {}).catch((e) => e);
    expect(syntax.code).toBe('SOURCE_SYNTAX');
  });

  it('reports an unreachable server as transient and a bad login as SOURCE_AUTH', async () => {
    const unreachable = new PostgresSource({ ...db.config, port: 1 });
    await expect(unreachable.testConnection()).rejects.toMatchObject({ code: 'SOURCE_CONNECTION_REFUSED', transient: true });
    const stranger = new PostgresSource({ ...db.config, username: 'no_such_reef_user' });
    await expect(stranger.testConnection()).rejects.toMatchObject({ code: 'SOURCE_AUTH', transient: false });
    const missing = new PostgresSource({ ...db.config, database: 'no_such_reef_db' });
    await expect(missing.testConnection()).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
