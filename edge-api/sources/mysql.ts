// MySQL / MariaDB source (mysql2). Each operation opens one connection, sets a statement time limit, runs one
// `START TRANSACTION READ ONLY`, releases any named lock (GET_LOCK) a stored function may have taken, and destroys
// the connection, so no lock or session variable reaches another query.
import mysql from 'mysql2/promise';
import type { FieldPacket, RowDataPacket } from 'mysql2/promise';
import type { Connection as CoreConnection } from 'mysql2';
import { assertSourceSql, bindValues, canceledError, connectionReset, connectTimeout, runCallback, SourceError, sourceFailure, statementTimeout } from './errors.ts';
import type { ErrorContext } from './errors.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_PREVIEW_LIMIT,
  DEFAULT_PREVIEW_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  duplicateColumnName,
  groupColumns,
  toJsonSafe,
} from './index.ts';
import { mysqlWriterPrivileges } from './writer-role.ts';
import type { ColumnSchema, ConnectionTest, PreviewResult, QueryOptions, SchemaTable, ServerConnectionConfig, Source } from './index.ts';
import { compileNamedParams } from './params.ts';
import type { CompiledSql, ParamValue } from './params.ts';

type Connection = mysql.Connection;

/**
 * How a column's values arrive from mysql2 and become `type` in DuckDB: `text` values are strings or numbers whose
 * text DuckDB casts exactly (BIGINT and DECIMAL arrive as strings, dates as MySQL's own text); `binary` are Buffers;
 * `flag` is a TINYINT(1), MySQL's BOOLEAN, where any non-zero value is true.
 */
export type MysqlColumn = ColumnSchema & { transport: 'text' | 'binary' | 'flag' };

// mysql2 column type codes (protocol values).
const T = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, JSON: 245, NEWDECIMAL: 246,
  ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;
const UNSIGNED_FLAG = 32;
const BINARY_CHARSET = 63;
const BATCH_ROWS = 2048;

export class MysqlSource implements Source {
  readonly kind = 'mysql';
  readonly dialect = 'mysql';
  private readonly config: ServerConnectionConfig;

  constructor(config: ServerConnectionConfig) {
    this.config = config;
  }

  async testConnection(options: { writerCheck?: boolean } = {}): Promise<ConnectionTest> {
    return this.readOnly(this.previewTimeout(), {}, async (conn, version) => {
      await conn.query('SELECT 1');
      const writerPrivileges = options.writerCheck ? await mysqlWriterPrivileges(conn) : undefined;
      return { serverVersion: version.includes('MariaDB') ? `MariaDB ${version}` : `MySQL ${version}`, writerPrivileges };
    });
  }

  async listSchema(): Promise<SchemaTable[]> {
    return this.readOnly(this.previewTimeout(), {}, async (conn) => {
      const [rows] = await conn.query({
        sql: `SELECT table_schema, table_name, column_name, column_type FROM information_schema.columns
              WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position`,
        rowsAsArray: true,
      });
      return groupColumns((rows as unknown[][]).map((r) => r.map(String)));
    });
  }

  async preview(sql: string, params: Record<string, unknown>, options: QueryOptions & { limit?: number } = {}): Promise<PreviewResult> {
    const { compiled, values, context } = await prepare(sql, params, options.asset);
    const limit = options.limit ?? DEFAULT_PREVIEW_LIMIT;
    return this.readOnly(options.timeoutMs ?? this.previewTimeout(), context, async (conn) => {
      const rows: Record<string, unknown>[] = [];
      const { columns, batches, stop } = await streamQuery(conn, compiled, values, limit, options.asset);
      for await (const batch of batches) {
        for (const row of batch) {
          if (rows.length === limit) break;
          rows.push(Object.fromEntries(columns.map((c, i) => [c.name, previewValue(row[i], c)])));
        }
        if (rows.length === limit) break;
      }
      // Stop reading the rest of a large result; the connection is destroyed right after.
      stop();
      return { columns: columns.map(({ name, type, sourceType }) => ({ name, type, sourceType })), rows };
    }, options.signal);
  }

  /** Streams the query's rows (arrays, in column order) in batches to `consume`, inside the read-only transaction. */
  async streamRows<T>(
    sql: string,
    params: Record<string, unknown>,
    options: QueryOptions,
    consume: (columns: MysqlColumn[], batches: AsyncIterable<unknown[][]>) => Promise<T>,
  ): Promise<T> {
    const { compiled, values, context } = await prepare(sql, params, options.asset);
    return this.readOnly(options.timeoutMs ?? this.config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, context, async (conn) => {
      // Checked before the last batch is handed over, so a result cut short by the time limit is never written.
      const { columns, batches } = await streamQuery(conn, compiled, values, BATCH_ROWS, options.asset, () => assertNotTimedOut(conn, options.asset));
      return runCallback(() => consume(columns, batches));
    }, options.signal);
  }

  private previewTimeout(): number {
    return this.config.previewTimeoutMs ?? DEFAULT_PREVIEW_TIMEOUT_MS;
  }

  private open(connectTimeoutMs = this.config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS): Promise<Connection> {
    return mysql.createConnection({
      host: this.config.host,
      port: this.config.port ?? 3306,
      user: this.config.username,
      password: this.config.password,
      database: this.config.database,
      connectTimeout: connectTimeoutMs,
      multipleStatements: false,
      // Exact values: BIGINT and DECIMAL as strings, dates as the server's text in UTC, JSON as its text.
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      jsonStrings: true,
      timezone: 'Z',
    }).catch((error: unknown) => {
      throw connectFailure(error, this.config.host, this.config.port ?? 3306, connectTimeoutMs);
    });
  }

  /**
   * Stops the statement running on connection `threadId` from a second connection of the same user (a user may
   * kill its own threads). Best effort: when the server cannot be reached, dropping the socket is all that is left.
   */
  private async killQuery(threadId: number): Promise<void> {
    let killer: Connection | undefined;
    try {
      killer = await this.open(Math.min(this.config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 5_000));
      await killer.query(`KILL QUERY ${Math.trunc(threadId)}`);
    } catch {
      // Unreachable, or the thread is already gone.
    } finally {
      killer?.destroy();
    }
  }

  private async readOnly<T>(
    timeoutMs: number,
    context: ErrorContext,
    work: (conn: Connection, version: string) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    let conn: Connection | undefined;
    let canceling: Promise<void> | undefined;
    const onAbort = () => {
      // Destroying the socket alone would leave BENCHMARK or SLEEP running on the server: kill the statement first.
      const threadId = conn?.threadId;
      canceling ??= (threadId ? this.killQuery(threadId) : Promise.resolve()).finally(() => conn?.destroy());
    };
    try {
      if (signal?.aborted) throw canceledError(context.asset);
      signal?.addEventListener('abort', onAbort, { once: true });
      conn = await this.open();
      if (signal?.aborted) throw canceledError(context.asset);
      const [[{ version }]] = await conn.query<[RowDataPacket & { version: string }]>('SELECT VERSION() AS version');
      // MariaDB limits any statement in seconds; MySQL limits SELECTs in milliseconds.
      const limit = version.includes('MariaDB')
        ? `max_statement_time = ${(timeoutMs / 1000).toFixed(3)}`
        : `max_execution_time = ${Math.round(timeoutMs)}`;
      await conn.query(`SET SESSION ${limit}, SESSION time_zone = '+00:00'`);
      await conn.query('START TRANSACTION READ ONLY');
      const result = await work(conn, version);
      await conn.query('ROLLBACK');
      await assertNotTimedOut(conn, context.asset);
      if (signal?.aborted) throw canceledError(context.asset);
      return result;
    } catch (error) {
      if (signal?.aborted) {
        onAbort();
        await canceling;
        throw canceledError(context.asset);
      }
      throw sourceFailure(error, context);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (conn) await discard(conn);
    }
  }
}

// mysql2 says only "connect ETIMEDOUT" or "Connection lost" when connecting fails: say where, and what that means.
function connectFailure(error: unknown, host: string, port: number, ms: number): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'ETIMEDOUT') return connectTimeout(host, port, ms);
  if (code === 'PROTOCOL_CONNECTION_LOST' || code === 'ECONNRESET') return connectionReset(host, port);
  return error;
}

/**
 * MariaDB's max_statement_time does not always fail the statement: an interrupted BENCHMARK returns 0 as if it had
 * finished, so a query ending in one answers a wrong row without an error or a warning. The session's count of
 * statements that hit the limit does tell, so it is read once the result has been received.
 */
async function assertNotTimedOut(conn: Connection, asset?: string): Promise<void> {
  const [rows] = await conn.query<(RowDataPacket & { Value: string })[]>(
    "SHOW SESSION STATUS WHERE Variable_name IN ('Max_statement_time_exceeded', 'Max_execution_time_exceeded')",
  );
  if (rows.some((r) => Number(r.Value) > 0)) throw statementTimeout(asset);
}

async function prepare(sql: string, params: Record<string, unknown>, asset?: string) {
  await assertSourceSql(sql, 'mysql', asset);
  const compiled = compileNamedParams(sql, 'mysql', { dropTerminators: true });
  const values = bindValues(compiled, params, asset);
  const context: ErrorContext = { asset, sql, compiled };
  return { compiled, values, context };
}

// A stored function may have taken a named lock; release it now rather than when the server notices the socket.
async function discard(conn: Connection): Promise<void> {
  try {
    await conn.query('SELECT RELEASE_ALL_LOCKS()');
  } catch {
    // The connection is already broken; the server drops its locks when the session ends.
  }
  conn.destroy();
}

/**
 * Starts the query as a row stream (never buffering the result) and resolves once the column metadata is known.
 * `stop` abandons the rest of the result.
 */
async function streamQuery(
  conn: Connection,
  compiled: CompiledSql,
  values: ParamValue[],
  batchRows: number,
  asset?: string,
  beforeLastBatch?: () => Promise<void>,
) {
  // The promise wrapper buffers whole results; the callback connection underneath streams.
  const core = (conn as unknown as { connection: CoreConnection }).connection;
  const query = core.query({ sql: compiled.text, values, rowsAsArray: true });
  const stream = query.stream({ highWaterMark: batchRows });
  const fields = await new Promise<FieldPacket[]>((resolve, reject) => {
    query.once('fields', (f: FieldPacket[]) => resolve(f));
    stream.once('error', reject);
    stream.once('end', () => resolve([]));
  });
  const duplicate = duplicateColumnName(fields.map((f) => f.name));
  if (duplicate !== undefined) {
    stream.destroy();
    throw new SourceError(
      'SOURCE_RESULT_SHAPE',
      `The query${asset ? ` in ${asset}` : ''} returns two columns named "${duplicate}"; give one of them another name with AS.`,
      { details: { asset } },
    );
  }
  async function* batches(): AsyncIterable<unknown[][]> {
    let batch: unknown[][] = [];
    for await (const row of stream) {
      batch.push(row as unknown[]);
      if (batch.length === batchRows) {
        yield batch;
        batch = [];
      }
    }
    await beforeLastBatch?.();
    if (batch.length > 0) yield batch;
  }
  return { columns: fields.map(columnOf), batches: batches(), stop: () => stream.destroy() };
}

function columnOf(field: FieldPacket): MysqlColumn {
  const code = field.columnType ?? field.type ?? T.VAR_STRING;
  const flags = typeof field.flags === 'number' ? field.flags : 0;
  const unsigned = (flags & UNSIGNED_FLAG) !== 0;
  const binary = field.characterSet === BINARY_CHARSET;
  const length = field.columnLength ?? 0;
  const sourceType = (field.typeName ?? `type ${code}`).toLowerCase() + (unsigned ? ' unsigned' : '');
  const text = (type: string): MysqlColumn => ({ name: field.name, type, sourceType, transport: 'text' });
  switch (code) {
    case T.TINY:
      return length === 1 ? { name: field.name, type: 'BOOLEAN', sourceType: 'tinyint(1)', transport: 'flag' } : text('SMALLINT');
    case T.SHORT:
    case T.YEAR:
      return text(unsigned ? 'INTEGER' : 'SMALLINT');
    case T.INT24:
      return text('INTEGER');
    case T.LONG:
      return text(unsigned ? 'BIGINT' : 'INTEGER');
    case T.LONGLONG:
      return text(unsigned ? 'UBIGINT' : 'BIGINT');
    case T.FLOAT:
      return text('FLOAT');
    case T.DOUBLE:
      return text('DOUBLE');
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return text(decimalType(length, field.decimals, unsigned));
    case T.DATE:
    case T.NEWDATE:
      return text('DATE');
    case T.DATETIME:
      return text('TIMESTAMP');
    // A MySQL TIMESTAMP is an instant; the session's time_zone is UTC, so its text is UTC.
    case T.TIMESTAMP:
      return text('TIMESTAMP WITH TIME ZONE');
    case T.BIT:
    case T.GEOMETRY:
      return { name: field.name, type: 'BLOB', sourceType, transport: 'binary' };
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
    case T.VARCHAR:
    case T.VAR_STRING:
    case T.STRING:
      return binary ? { name: field.name, type: 'BLOB', sourceType, transport: 'binary' } : text('VARCHAR');
    default:
      // JSON, ENUM, SET, TIME (which may exceed 24 hours) and anything newer travel as their text.
      return text('VARCHAR');
  }
}

/** DECIMAL(p,s) from the display length: p digits plus a sign (when signed) and a point (when s > 0). */
function decimalType(length: number, decimals: number, unsigned: boolean): string {
  const precision = length - (unsigned ? 0 : 1) - (decimals > 0 ? 1 : 0);
  if (precision < 1 || precision > 38) return 'DOUBLE';
  return `DECIMAL(${precision},${decimals})`;
}

function previewValue(value: unknown, column: MysqlColumn): unknown {
  if (value === null || value === undefined) return null;
  if (column.transport === 'flag') return Number(value) !== 0;
  return toJsonSafe(value);
}
