import { describe, expect, it } from 'vitest';
import { checkSourceSql } from './sql-guard.ts';
import type { SqlGuardCode } from './sql-guard.ts';
import type { SqlDialect } from '../sources/params.ts';

async function expectRefused(sql: string, dialect: SqlDialect, code: SqlGuardCode, messagePart?: RegExp) {
  const result = await checkSourceSql(sql, dialect);
  expect(result.ok, `${dialect}: ${sql}`).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe(code);
  if (messagePart) expect(result.message).toMatch(messagePart);
}

async function expectAccepted(sql: string, dialect: SqlDialect) {
  expect(await checkSourceSql(sql, dialect), `${dialect}: ${sql}`).toEqual({ ok: true });
}

describe('checkSourceSql: PostgreSQL and DuckDB (libpg-query)', () => {
  for (const dialect of ['postgresql', 'duckdb'] as const) {
    describe(dialect, () => {
      it('accepts ordinary read-only SELECTs', async () => {
        await expectAccepted('SELECT id, body FROM comments', dialect);
        await expectAccepted('SELECT 1;', dialect);
        await expectAccepted('  select count(*) from t group by a having count(*) > 1 order by 1 limit 10  ', dialect);
        await expectAccepted('WITH recent AS (SELECT * FROM t WHERE ts > now() - interval \'1 day\') SELECT * FROM recent', dialect);
        await expectAccepted('SELECT a FROM t UNION ALL SELECT b FROM u', dialect);
        await expectAccepted('VALUES (1, \'a\'), (2, \'b\')', dialect);
        await expectAccepted('SELECT x::bigint, y::text FROM t', dialect);
        await expectAccepted("SELECT 'a;DROP TABLE t' AS s -- ; DELETE FROM t\n", dialect);
      });

      it('accepts :name template parameters, including repeats, and leaves them alone inside strings', async () => {
        await expectAccepted('SELECT * FROM t WHERE ts >= :start AND ts < :end AND kind = :start', dialect);
        await expectAccepted("SELECT ':not_a_param' AS s, x::int FROM t WHERE y = :y", dialect);
      });

      it('refuses positional placeholders, telling the analyst to name them', async () => {
        await expectRefused('SELECT * FROM t WHERE id = $1', dialect, 'SQL_SYNTAX', /:start_date/);
      });

      it('refuses a second statement after the semicolon', async () => {
        await expectRefused('SELECT 1; DELETE FROM t', dialect, 'SQL_NOT_SINGLE_STATEMENT', /remove the second statement after ';'/);
        await expectRefused('SELECT 1;\nSELECT 2', dialect, 'SQL_NOT_SINGLE_STATEMENT', /line 2/);
      });

      it('refuses empty SQL', async () => {
        await expectRefused('', dialect, 'SQL_NOT_SINGLE_STATEMENT', /empty/);
        await expectRefused(' ; -- nothing', dialect, 'SQL_NOT_SINGLE_STATEMENT', /empty/);
      });

      it('refuses DML, DDL and other non-SELECT statements, naming them', async () => {
        await expectRefused('DROP TABLE x', dialect, 'SQL_NOT_SELECT', /DROP/);
        await expectRefused('DELETE FROM t', dialect, 'SQL_NOT_SELECT', /DELETE/);
        await expectRefused("INSERT INTO t VALUES (1)", dialect, 'SQL_NOT_SELECT', /INSERT/);
        await expectRefused('UPDATE t SET a = 1', dialect, 'SQL_NOT_SELECT', /UPDATE/);
        await expectRefused('TRUNCATE t', dialect, 'SQL_NOT_SELECT', /TRUNCATE/);
        await expectRefused('CREATE TABLE t2 AS SELECT * FROM t', dialect, 'SQL_NOT_SELECT', /CREATE TABLE AS/);
        await expectRefused('COPY t TO STDOUT', dialect, 'SQL_NOT_SELECT', /COPY/);
        await expectRefused("COPY (SELECT 1) TO '/tmp/x'", dialect, 'SQL_NOT_SELECT', /COPY/);
        await expectRefused('EXPLAIN ANALYZE DELETE FROM t', dialect, 'SQL_NOT_SELECT', /EXPLAIN/);
        await expectRefused('BEGIN', dialect, 'SQL_NOT_SELECT', /transaction/);
        await expectRefused("SET statement_timeout = 0", dialect, 'SQL_NOT_SELECT', /SET/);
        await expectRefused("DO $$ BEGIN DELETE FROM t; END $$", dialect, 'SQL_NOT_SELECT', /DO block/);
      });

      it('refuses data-modifying WITH clauses, however deeply nested', async () => {
        await expectRefused('WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', dialect, 'SQL_FORBIDDEN_CLAUSE', /DELETE/);
        await expectRefused(
          'WITH a AS (SELECT 1), b AS (UPDATE t SET v = 0 RETURNING id) SELECT * FROM a, b',
          dialect,
          'SQL_FORBIDDEN_CLAUSE',
          /UPDATE/,
        );
        await expectRefused(
          'SELECT * FROM (WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x) s',
          dialect,
          'SQL_FORBIDDEN_CLAUSE',
          /INSERT/,
        );
      });

      it('refuses SELECT … INTO and locking clauses', async () => {
        await expectRefused('SELECT * INTO newtable FROM t', dialect, 'SQL_FORBIDDEN_CLAUSE', /INTO/);
        await expectRefused('SELECT * FROM t FOR UPDATE', dialect, 'SQL_FORBIDDEN_CLAUSE', /FOR UPDATE/);
        await expectRefused('SELECT * FROM t FOR SHARE SKIP LOCKED', dialect, 'SQL_FORBIDDEN_CLAUSE', /locking clause/);
        await expectRefused('SELECT * FROM (SELECT * FROM t FOR NO KEY UPDATE) s', dialect, 'SQL_FORBIDDEN_CLAUSE', /locking/);
      });

      it('refuses functions that write, lock across the session, or reach outside the database', async () => {
        for (const call of [
          "nextval('seq')",
          "pg_catalog.setval('seq', 1)",
          'pg_advisory_lock(42)',
          'pg_try_advisory_xact_lock(1)',
          "dblink('host=x', 'delete from t')",
          "lo_import('/etc/passwd')",
          "pg_read_file('/etc/passwd')",
          "query_to_xml('delete from t', true, false, '')",
          "set_config('statement_timeout', '0', false)",
        ]) {
          const name = call.slice(0, call.indexOf('(')).split('.').at(-1);
          await expectRefused(`SELECT id FROM t WHERE ${call} IS NOT NULL`, dialect, 'SQL_FORBIDDEN_CLAUSE', new RegExp(`${name}\\(\\)`));
        }
        await expectRefused('SELECT (SELECT max(x) FROM t WHERE pg_advisory_lock(1) IS NULL)', dialect, 'SQL_FORBIDDEN_CLAUSE');
      });

      it('leaves pg_sleep to the statement timeout', async () => {
        await expectAccepted('SELECT pg_sleep(1)', dialect);
      });

      it('reports syntax errors with line and column', async () => {
        await expectRefused('SELEC 1', dialect, 'SQL_SYNTAX', /line 1, column 1: syntax error at or near "SELEC"/);
        await expectRefused('SELECT a,\n  FROM t', dialect, 'SQL_SYNTAX', /line 2, column 3/);
      });
    });
  }

  it('duckdb: refuses direct file access and SQL-string functions', async () => {
    await expectRefused("SELECT * FROM read_csv('/etc/passwd')", 'duckdb', 'SQL_FORBIDDEN_CLAUSE', /read_csv\(\)/);
    await expectRefused("SELECT * FROM read_parquet('s3://b/x.parquet')", 'duckdb', 'SQL_FORBIDDEN_CLAUSE', /read_parquet/);
    await expectRefused("SELECT * FROM query('DROP TABLE t')", 'duckdb', 'SQL_FORBIDDEN_CLAUSE', /query\(\)/);
    await expectRefused("SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))", 'duckdb', 'SQL_FORBIDDEN_CLAUSE', /json_execute_serialized_sql\(\)/);
    await expectRefused('SELECT * FROM t, LATERAL force_checkpoint()', 'duckdb', 'SQL_FORBIDDEN_CLAUSE', /force_checkpoint\(\)/);
    await expectAccepted('SELECT * FROM range(3) r(i), unnest(ARRAY[1, 2]) u(x), generate_series(1, 2) g(y)', 'duckdb');
    await expectRefused('SELECT * FROM "/etc/passwd.csv"', 'duckdb', 'SQL_FORBIDDEN_CLAUSE', /file path/);
    // The same quoted name is an ordinary (odd) table name to PostgreSQL.
    await expectAccepted('SELECT * FROM "weird.name"', 'postgresql');
  });
});

describe('checkSourceSql: MySQL (node-sql-parser)', () => {
  it('accepts ordinary read-only SELECTs', async () => {
    await expectAccepted('SELECT id, body FROM comments', 'mysql');
    await expectAccepted('SELECT 1;', 'mysql');
    await expectAccepted('SELECT `a`, \'x;y\' FROM t -- trailing comment', 'mysql');
    await expectAccepted('WITH r AS (SELECT * FROM t) SELECT * FROM r', 'mysql');
    await expectAccepted('SELECT a FROM t UNION SELECT b FROM u', 'mysql');
    await expectAccepted('SELECT SLEEP(1)', 'mysql');
  });

  it('accepts :name template parameters and refuses ? placeholders', async () => {
    await expectAccepted("SELECT * FROM t WHERE d >= :start AND note <> ':x' AND d < :end", 'mysql');
    await expectRefused('SELECT * FROM t WHERE id = ?', 'mysql', 'SQL_SYNTAX', /name template parameters/);
  });

  it('refuses empty SQL', async () => {
    await expectRefused('', 'mysql', 'SQL_NOT_SINGLE_STATEMENT', /empty/);
    await expectRefused('  ;', 'mysql', 'SQL_NOT_SINGLE_STATEMENT', /empty/);
  });

  it('refuses a second statement', async () => {
    await expectRefused('SELECT 1; DELETE FROM t', 'mysql', 'SQL_NOT_SINGLE_STATEMENT', /remove the second statement/);
  });

  it('refuses DML and DDL', async () => {
    await expectRefused('DROP TABLE x', 'mysql', 'SQL_NOT_SELECT', /DROP/);
    await expectRefused('DELETE FROM t WHERE 1', 'mysql', 'SQL_NOT_SELECT', /DELETE/);
    await expectRefused('UPDATE t SET a = 1', 'mysql', 'SQL_NOT_SELECT', /UPDATE/);
    await expectRefused('INSERT INTO t VALUES (1)', 'mysql', 'SQL_NOT_SELECT', /INSERT/);
  });

  it('refuses SELECT … INTO, locking reads and lock/file functions', async () => {
    await expectRefused("SELECT * INTO OUTFILE '/tmp/x' FROM t", 'mysql', 'SQL_FORBIDDEN_CLAUSE', /INTO/);
    await expectRefused('SELECT a INTO @x FROM t', 'mysql', 'SQL_FORBIDDEN_CLAUSE', /INTO/);
    await expectRefused('SELECT * FROM t FOR UPDATE', 'mysql', 'SQL_FORBIDDEN_CLAUSE', /FOR UPDATE/);
    await expectRefused('SELECT * FROM t LOCK IN SHARE MODE', 'mysql', 'SQL_FORBIDDEN_CLAUSE', /LOCK IN SHARE MODE/);
    await expectRefused("SELECT GET_LOCK('x', 10)", 'mysql', 'SQL_FORBIDDEN_CLAUSE', /get_lock\(\)/);
    await expectRefused("SELECT load_file('/etc/passwd')", 'mysql', 'SQL_FORBIDDEN_CLAUSE', /load_file\(\)/);
  });

  it('reports syntax errors with line and column', async () => {
    await expectRefused('SELEC 1', 'mysql', 'SQL_SYNTAX', /line 1, column 7/);
  });

  it('refuses comments MariaDB executes before the parser can drop them', async () => {
    await expectRefused("SELECT 1 AS id /*!, LOAD_FILE('/etc/hostname') AS f */", 'mysql', 'SQL_EXECUTABLE_COMMENT', /line 1, column 16.*executable comment/);
    await expectRefused("SELECT id FROM t /*!50000 INTO OUTFILE '/tmp/x' */", 'mysql', 'SQL_EXECUTABLE_COMMENT');
    await expectRefused('SELECT id FROM t\n/*M!100100 , 1 */', 'mysql', 'SQL_EXECUTABLE_COMMENT', /line 2, column 1/);
    await expectRefused('SELECT /*+ BKA(t) */ id FROM t', 'mysql', 'SQL_EXECUTABLE_COMMENT', /optimizer hint/);
    await expectRefused("SELECT 1 --1, LOAD_FILE('/etc/passwd')\n", 'mysql', 'SQL_EXECUTABLE_COMMENT', /two minus signs/);
    // Inside a string too: where a literal ends depends on the server's sql_mode.
    await expectRefused("SELECT 'a\\' /*!, 1 */' AS s", 'mysql', 'SQL_EXECUTABLE_COMMENT');
    await expectAccepted('SELECT id /* plain */ FROM t -- a comment\n# another\n', 'mysql');
  });
});

describe('checkSourceSql: optimizer hints in PostgreSQL', () => {
  it('refuses /*+ … */ for PostgreSQL (pg_hint_plan) and leaves plain comments and DuckDB alone', async () => {
    await expectRefused('SELECT /*+ SeqScan(t) */ id FROM t', 'postgresql', 'SQL_EXECUTABLE_COMMENT', /pg_hint_plan/);
    await expectAccepted('SELECT /* + not a hint */ id FROM t', 'postgresql');
    await expectAccepted('SELECT id /*! not MariaDB here */ FROM t', 'postgresql');
    await expectAccepted('SELECT /*+ x */ 1', 'duckdb');
  });
});
