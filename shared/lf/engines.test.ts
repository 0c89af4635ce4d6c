import { DuckDBInstance, DuckDBTimestampValue } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from './column-batch.ts';
import { lfEngineSuite, SUITE_CASES, SUITE_SCHEMA, type MakeLfEngine } from './lf-engine-suite.ts';
import { compileLf } from './compile.ts';
import { quoteIdent } from './sql-literals.ts';
import type { ColumnType } from './types.ts';

const makeJsEngine: MakeLfEngine = async (schema, rows) => {
  const batch = columnBatchFromRows(schema, rows);
  return {
    runs: (lf) => lf.evaluate !== null,
    votes: async (lfs) => lfs.map((lf) => lf.evaluate!(batch)),
  };
};

const DUCKDB_TYPE: Record<ColumnType, string> = {
  integer: 'BIGINT', float: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP',
};

/** DuckDB in Node: the rows go in through the appender (typed values, no SQL text), the LFs run as SQL. */
const makeDuckdbEngine: MakeLfEngine = async (schema, rows) => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE t (row_no INTEGER, ${schema.columns.map((c) => `${quoteIdent(c.name)} ${DUCKDB_TYPE[c.type]}`).join(', ')})`);
  const appender = await connection.createAppender('t');
  rows.forEach((row, rowNo) => {
    appender.appendInteger(rowNo);
    for (const { name, type } of schema.columns) {
      const v = row[name];
      if (v === null || v === undefined) appender.appendNull();
      else if (type === 'integer') appender.appendBigInt(BigInt(v as number | bigint));
      else if (type === 'float') appender.appendDouble(v as number);
      else if (type === 'string') appender.appendVarchar(v as string);
      else if (type === 'boolean') appender.appendBoolean(v as boolean);
      else appender.appendTimestamp(new DuckDBTimestampValue(BigInt(v as number)));
    }
    appender.endRow();
  });
  appender.closeSync();
  return {
    runs: (lf) => lf.duckdbSql !== null,
    votes: async (lfs) => {
      const reader = await connection.runAndReadAll(`SELECT ${lfs.map((lf, j) => `${lf.duckdbSql} AS v${j}`).join(', ')} FROM t ORDER BY row_no`);
      return reader.getColumnsJS().map((col) => Int8Array.from(col as number[]));
    },
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
};

lfEngineSuite('JavaScript over a ColumnBatch', makeJsEngine);
lfEngineSuite('DuckDB (@duckdb/node-api)', makeDuckdbEngine);

describe('engine coverage', () => {
  it('gives every template and SQL case a DuckDB form, and no regex case one (regex is ECMAScript, JS only)', () => {
    for (const c of SUITE_CASES) {
      const lf = compileLf(c.lf, SUITE_SCHEMA, 2);
      expect(lf.evaluate).not.toBeNull();
      expect(lf.duckdbSql === null).toBe(c.lf.type === 'regex');
    }
  });
});
