// PostgreSQL source: postgres.js for tests, schema, previews and describing queries; node-postgres with
// CopyToStream (postgres-copy.ts) for the COPY that materializes (see copySession). Each operation opens one connection, runs one
// read-only transaction with a statement timeout, releases any session advisory lock a function may have taken,
// and closes the connection — a pooled connection could carry a lock or a setting into the next query.
import pg from 'pg';
import postgres from 'postgres';
import { createConnection, type Socket } from 'node:net';
import { CopySocket, CopyToStream } from './postgres-copy.ts';
import { ignoreOrphanedTypeFetches } from './postgres-orphans.ts';
import { assertSourceSql, bindValues, canceledError, connectionReset, connectTimeout, runCallback, SourceError, sourceFailure, translateSourceError } from './errors.ts';
import type { ErrorContext } from './errors.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_PREVIEW_LIMIT,
  DEFAULT_PREVIEW_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  duplicateColumnName,
  POSTGRES_IDENTITY,
  groupColumns,
  toJsonSafe,
} from './index.ts';
import { postgresWriterPrivileges } from './writer-role.ts';
import type { ColumnSchema, ConnectionTest, PreviewResult, QueryOptions, SchemaTable, ServerConnectionConfig, Source } from './index.ts';
import { compileNamedParams } from './params.ts';
import type { CompiledSql } from './params.ts';

/** The one-connection session of readOnly, between its BEGIN and ROLLBACK. */
type Tx = ReturnType<typeof connect>;

/**
 * How a column's text travels through `COPY … (FORMAT csv)` into DuckDB: as DuckDB reads it ('plain'), bytea's hex
 * ('hex'), arrays as JSON ('json-list'), or a date or timestamp whose year may end in " BC" ('era'; 'era-list' for
 * an array of them, as JSON), which DuckDB would read as the same year AD or reject.
 */
export type CsvColumn = ColumnSchema & { transport: 'plain' | 'hex' | 'json-list' | 'era' | 'era-list' };

// PostgreSQL type name -> DuckDB type, for the types whose text output DuckDB reads back exactly.
const SCALAR_TYPES: Record<string, string> = {
  bool: 'BOOLEAN',
  int2: 'SMALLINT',
  int4: 'INTEGER',
  int8: 'BIGINT',
  oid: 'BIGINT',
  float4: 'FLOAT',
  float8: 'DOUBLE',
  text: 'VARCHAR',
  varchar: 'VARCHAR',
  bpchar: 'VARCHAR',
  name: 'VARCHAR',
  char: 'VARCHAR',
  citext: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMP WITH TIME ZONE',
  time: 'TIME',
  uuid: 'UUID',
  bytea: 'BLOB',
};

const ERA_TYPES = new Set(['date', 'timestamp', 'timestamptz']);

// DuckDB's DECIMAL holds at most 38 digits.
const MAX_DECIMAL_PRECISION = 38;

// Settings every query runs under: exact, zone-independent text output for COPY, and the limits.
function sessionSettings(timeoutMs: number): [string, string][] {
  return [
    ['statement_timeout', String(timeoutMs)],
    ['lock_timeout', String(Math.min(timeoutMs, 30_000))],
    ['idle_in_transaction_session_timeout', String(timeoutMs + 60_000)],
    ['TimeZone', 'UTC'],
    ['DateStyle', 'ISO, YMD'],
    ['IntervalStyle', 'postgres'],
    ['extra_float_digits', '1'],
    ['bytea_output', 'hex'],
  ];
}

/**
 * A postgres.js client on one connection, and `ready`, which resolves with the first statement once the session
 * is up. postgres.js bounds the TCP connect but not the startup after it, and reconnects whenever a socket closes
 * during startup: a port that accepts and never answers, or answers as a web server, would hold a test for
 * minutes. So the startup gets a deadline, and a socket closed by the other side before it is a reset, at once.
 */
function connect(config: ServerConnectionConfig) {
  ignoreOrphanedTypeFetches();
  const host = config.host;
  const port = config.port ?? 5432;
  const ms = connectTimeoutMs(config);
  let started = false;
  let failStartup: (error: SourceError) => void = () => {};
  const startupFailed = new Promise<never>((_, reject) => {
    failStartup = reject;
  });
  startupFailed.catch(() => {});
  // postgres.js takes a socket factory (`socket`, not in its typings) and runs its protocol on what it returns.
  const socket = () => new Promise<Socket>((resolve, reject) => {
    const opened = createConnection({ host, port });
    opened.once('error', reject);
    opened.once('connect', () => {
      opened.once('close', () => {
        if (!started) failStartup(connectionReset(host, port));
      });
      resolve(opened);
    });
  });
  const sql = postgres(Object.assign({
    host: config.host,
    port: config.port ?? 5432,
    database: config.database,
    username: config.username,
    password: config.password,
    max: 1,
    connect_timeout: connectTimeoutMs(config) / 1000,
    idle_timeout: 0,
    onnotice: () => {},
    // Even a transaction opened by mistake without READ ONLY is read-only on this connection.
    connection: { application_name: 'reef-source', default_transaction_read_only: 'on' } as Record<string, string>,
    types: {
      bigint: postgres.BigInt,
      // Dates and times as PostgreSQL's own text (UTC, microseconds kept), not JS Dates that drop microseconds.
      timeText: { to: 1184, from: [1082, 1083, 1114, 1184, 1266], serialize: (x: string) => x, parse: (x: string) => x },
    },
  }, { socket }));
  async function ready<T>(first: Promise<T>): Promise<T> {
    const timer = setTimeout(() => failStartup(connectTimeout(host, port, ms)), ms);
    try {
      const result = await Promise.race([first, startupFailed]);
      started = true;
      return result;
    } finally {
      clearTimeout(timer);
      first.catch(() => {});
    }
  }
  return Object.assign(sql, { ready });
}

type SourceSql = ReturnType<typeof connect>;

const SETTINGS_CALLS = sessionSettings(0)
  .map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`)
  .join(', ');

type Described = { columns: CsvColumn[]; paramTypes: string[] };

export class PostgresSource implements Source {
  readonly kind = 'postgresql';
  readonly dialect = 'postgresql';
  private readonly config: ServerConnectionConfig;

  constructor(config: ServerConnectionConfig) {
    this.config = config;
  }

  async testConnection(options: { writerCheck?: boolean } = {}): Promise<ConnectionTest> {
    return this.readOnly(this.previewTimeout(), {}, async (tx) => {
      const [row] = await tx.unsafe(`select current_setting('server_version') as version, ${POSTGRES_IDENTITY} as identity`);
      const writerPrivileges = options.writerCheck ? await postgresWriterPrivileges(tx) : undefined;
      return { serverVersion: `PostgreSQL ${row.version as string}`, identity: row.identity as string, writerPrivileges };
    });
  }

  async listSchema(): Promise<SchemaTable[]> {
    return this.readOnly(this.previewTimeout(), {}, async (tx) => {
      const rows = await tx`
        select c.table_schema, c.table_name, c.column_name, c.data_type
        from information_schema.columns c
        where c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\\_%'
        order by c.table_schema, c.table_name, c.ordinal_position`;
      return groupColumns(rows.map((r) => [r.table_schema, r.table_name, r.column_name, r.data_type] as string[]));
    });
  }

  async preview(sql: string, params: Record<string, unknown>, options: QueryOptions & { limit?: number } = {}): Promise<PreviewResult> {
    const compiled = await prepareQuery(sql, params, options.asset);
    const context: ErrorContext = { asset: options.asset, sql, compiled };
    const values = bindValues(compiled, params, options.asset);
    return this.readOnly(options.timeoutMs ?? this.previewTimeout(), context, async (tx) => {
      const { columns } = await describeQuery(tx, compiled, options.asset);
      const rows: Record<string, unknown>[] = [];
      const limit = options.limit ?? DEFAULT_PREVIEW_LIMIT;
      // A cursor fetches only what the preview shows, however large the result.
      for await (const batch of tx.unsafe(compiled.text, values as postgres.ParameterOrJSON<never>[]).cursor(limit)) {
        for (const row of batch) rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toJsonSafe(v)])));
        break;
      }
      return { columns: columns.map(({ name, type, sourceType }) => ({ name, type, sourceType })), rows };
    });
  }

  /**
   * Streams the query's result as CSV with a header (`COPY (…) TO STDOUT`), the fastest way out of PostgreSQL,
   * and hands it with the column types to `consume`, inside the read-only transaction.
   * COPY takes no bind parameters, so each `:name` value is bound to a transaction-local setting with
   * `set_config($1…)` and read back with `current_setting(…)::type`, the type PostgreSQL inferred for it.
   */
  async copyCsv<T>(
    sql: string,
    params: Record<string, unknown>,
    options: QueryOptions,
    consume: (columns: CsvColumn[], csv: CopyToStream) => Promise<T>,
  ): Promise<T> {
    const compiled = await prepareQuery(sql, params, options.asset);
    const values = bindValues(compiled, params, options.asset);
    const context: ErrorContext = { asset: options.asset, sql, compiled };
    // The COPY's connection opens while the query is described: both are round trips to the server.
    const described = this.readOnly(this.previewTimeout(), context, (tx) => describeQuery(tx, compiled, options.asset));
    described.catch(() => {}); // awaited below, unless the COPY's connection fails first
    // Errors of the COPY point into the query through this context, completed once the COPY's text is known.
    const copyContext: ErrorContext = { ...context };
    const timeoutMs = options.timeoutMs ?? this.config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    return this.copySession(timeoutMs, copyContext, async (client, drop) => {
      const { columns, paramTypes } = await described;
      if (options.signal?.aborted) throw canceledError(options.asset);
      const inlined = compileNamedParams(sql, 'postgresql', {
        dropTerminators: true,
        placeholder: (n) =>
          values[n - 1] === null ? `NULL::${paramTypes[n - 1]}` : `current_setting('reef.p${n}')::${paramTypes[n - 1]}`,
      });
      const prefix = `COPY (SELECT ${columns.map(exportExpression).join(', ')} FROM (`;
      const copy = `${prefix}${inlined.text}\n) AS reef_source) TO STDOUT (FORMAT csv, HEADER)`;
      Object.assign(copyContext, { compiled: inlined, prefixLength: prefix.length });
      for (let i = 0; i < values.length; i++) {
        if (values[i] !== null) await client.query('select set_config($1, $2, true)', [`reef.p${i + 1}`, String(values[i])]);
      }
      const csv = client.query(new CopyToStream(copy));
      const result = await runCallback(() => consume(columns, csv));
      // A consumer that stopped reading early leaves the COPY running: drop the connection rather than wait on it.
      if (!csv.readableEnded) drop();
      return result;
    }, options.signal);
  }

  private previewTimeout(): number {
    return this.config.previewTimeoutMs ?? DEFAULT_PREVIEW_TIMEOUT_MS;
  }

  /**
   * Runs `work` in a read-only transaction with the limits, on a postgres.js connection used for nothing else, and
   * rolls it back whatever happened: some functions write even in a read-only transaction
   * (pg_import_system_collations), and a preview must leave the source exactly as a materialization does.
   */
  private async readOnly<T>(timeoutMs: number, context: ErrorContext, work: (tx: Tx) => Promise<T>): Promise<T> {
    const sql = connect(this.config);
    let clean = false;
    try {
      // One connection (max: 1), so BEGIN and ROLLBACK surround exactly the statements in between.
      await sql.ready(sql.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
      await sql.unsafe(`select ${SETTINGS_CALLS}`, sessionSettings(timeoutMs).flat());
      const result = await work(sql);
      await sql.unsafe('ROLLBACK');
      clean = true;
      return result;
    } catch (error) {
      throw translateSourceError(error, context);
    } finally {
      // After a failure the session is closed, not reused: that rolls back what is left and drops its locks, and
      // a query on a lost connection would make postgres.js connect again.
      if (clean) await releaseSessionState(sql);
      else await sql.end({ timeout: 0 });
    }
  }

  /**
   * Runs `work` in a read-only transaction with the limits on a node-postgres connection used for nothing else,
   * for COPY: a Submittable hands back its stream before any data arrives, whereas a postgres.js COPY stream
   * that fails in its first packet emits the error before a listener can be attached and crashes the process.
   * Aborting `signal` cancels the running statement on the server, then drops the connection.
   */
  private async copySession<T>(
    timeoutMs: number,
    context: ErrorContext,
    work: (client: pg.Client, drop: () => void) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const client = new pg.Client({
      host: this.config.host,
      port: this.config.port ?? 5432,
      database: this.config.database,
      user: this.config.username,
      password: this.config.password,
      connectionTimeoutMillis: connectTimeoutMs(this.config),
      application_name: 'reef-source',
      options: '-c default_transaction_read_only=on',
      // The COPY reads this socket's bytes itself (postgres-copy.ts).
      stream: () => new CopySocket(),
    });
    // A broken connection is reported through the failing query; an idle 'error' must not crash the worker.
    client.on('error', () => {});
    let healthy = false;
    let dropped = false;
    const destroy = () => client.connection.stream.destroy();
    let canceling: Promise<void> | undefined;
    const onAbort = () => {
      // Closing the socket alone would leave the statement running (pg_sleep never notices a gone client): cancel
      // it first, then drop the connection so nothing further runs on it.
      // node-postgres sets processID at startup without declaring it.
      const pid = 'processID' in client && typeof client.processID === 'number' ? client.processID : undefined;
      canceling ??= (pid ? this.cancelBackend(pid) : Promise.resolve()).finally(destroy);
    };
    try {
      if (signal?.aborted) throw canceledError(context.asset);
      signal?.addEventListener('abort', onAbort, { once: true });
      await client.connect().catch((error: Error) => {
        // node-postgres ends a startup that outlives connectionTimeoutMillis with a plain Error.
        if (/timeout expired/i.test(error.message)) throw connectTimeout(this.config.host, this.config.port ?? 5432, connectTimeoutMs(this.config));
        throw error;
      });
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`select ${SETTINGS_CALLS}`, sessionSettings(timeoutMs).flat());
      const result = await work(client, () => (dropped = true));
      if (!dropped) {
        await client.query('ROLLBACK');
        healthy = true;
      }
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
      if (healthy) await client.query('select pg_advisory_unlock_all()').catch(() => {});
      // Mid-COPY the protocol cannot be wound down politely: drop the socket; the server ends the session.
      else destroy();
      await client.end().catch(() => {});
    }
  }

  /**
   * Cancels the statement running on backend `pid` from a second connection of the same role (a role may cancel
   * its own sessions' statements). Best effort: when the source cannot be reached, dropping the socket is all
   * that is left, and the server ends the session when it next writes to it.
   */
  private async cancelBackend(pid: number): Promise<void> {
    const sql = connect({ ...this.config, connectTimeoutMs: Math.min(connectTimeoutMs(this.config), 5_000) });
    try {
      await sql.ready(sql`select pg_cancel_backend(${pid})`);
    } catch {
      // Unreachable or refused: the caller drops the connection anyway.
    } finally {
      await sql.end({ timeout: 0 });
    }
  }
}

const connectTimeoutMs = (config: ServerConnectionConfig) => config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

/** Guards the SQL and compiles its `:name` parameters to `$n`. */
async function prepareQuery(sql: string, params: Record<string, unknown>, asset?: string): Promise<CompiledSql> {
  await assertSourceSql(sql, 'postgresql', asset);
  return compileNamedParams(sql, 'postgresql', { dropTerminators: true });
}

// A function called by the query may have taken a session-level advisory lock; unlocking before closing means
// the lock is gone when this returns, not whenever the server notices the closed socket.
async function releaseSessionState(sql: SourceSql): Promise<void> {
  try {
    await sql`select pg_advisory_unlock_all()`;
  } catch {
    // The connection is already broken; the server drops its locks when the session ends.
  }
  await sql.end({ timeout: 5 });
}

/** Asks PostgreSQL for the result columns and parameter types without running the query. */
async function describeQuery(tx: Tx, compiled: CompiledSql, asset?: string): Promise<Described> {
  const described = await tx.unsafe(compiled.text).describe();
  const fields = described.columns ?? [];
  const duplicate = duplicateColumnName(fields.map((c) => c.name));
  if (duplicate !== undefined) {
    throw new SourceError(
      'SOURCE_RESULT_SHAPE',
      `The query${asset ? ` in ${asset}` : ''} returns two columns named "${duplicate}"; give one of them another name with AS.`,
      { details: { asset } },
    );
  }
  const oids = [...new Set([...fields.map((c) => c.type), ...described.types])];
  const typeRows = await tx<{ oid: number; typname: string; typcategory: string; elem: string | null; formatted: string }[]>`
    select t.oid::int as oid, t.typname, t.typcategory, e.typname as elem, format_type(t.oid, null) as formatted
    from pg_type t left join pg_type e on e.oid = t.typelem and t.typcategory = 'A'
    where t.oid = any(${oids}::oid[])`;
  const types = new Map(typeRows.map((r) => [r.oid, r]));
  // A numeric column read straight from a table has its declared precision in pg_attribute.
  const numericSources = fields.filter((c) => types.get(c.type)?.typname === 'numeric' && c.table !== 0);
  const declared = new Map<string, string>();
  if (numericSources.length > 0) {
    const rows = await tx`
      select a.attrelid::int as rel, a.attnum::int as num, format_type(a.atttypid, a.atttypmod) as formatted
      from pg_attribute a
      join unnest(${numericSources.map((c) => c.table)}::oid[], ${numericSources.map((c) => c.number)}::int[]) as s(rel, num)
        on a.attrelid = s.rel and a.attnum = s.num`;
    for (const r of rows) declared.set(`${r.rel}.${r.num}`, r.formatted as string);
  }
  const columns = fields.map((field): CsvColumn => {
    const pgType = types.get(field.type);
    const sourceType = declared.get(`${field.table}.${field.number}`) ?? pgType?.formatted ?? `oid ${field.type}`;
    return { name: field.name, sourceType, ...duckdbTransport(pgType?.typname ?? '', pgType?.elem ?? null, sourceType) };
  });
  const paramTypes = described.types.map((oid) => (oid === 0 ? 'text' : (types.get(oid)?.formatted ?? 'text')));
  return { columns, paramTypes };
}

function duckdbTransport(typname: string, elem: string | null, sourceType: string): Pick<CsvColumn, 'type' | 'transport'> {
  if (elem !== null) {
    const elemType = elem === 'numeric' ? 'DOUBLE' : SCALAR_TYPES[elem];
    if (elemType && ERA_TYPES.has(elem)) return { type: `${elemType}[]`, transport: 'era-list' };
    // Lists of binary values have no JSON form; everything else unknown travels as its text.
    if (elemType && elem !== 'bytea') return { type: `${elemType}[]`, transport: 'json-list' };
    return { type: 'VARCHAR', transport: 'plain' };
  }
  if (typname === 'numeric') return { type: decimalType(sourceType), transport: 'plain' };
  if (typname === 'bytea') return { type: 'BLOB', transport: 'hex' };
  if (ERA_TYPES.has(typname)) return { type: SCALAR_TYPES[typname]!, transport: 'era' };
  return { type: SCALAR_TYPES[typname] ?? 'VARCHAR', transport: 'plain' };
}

/** numeric(p,s) -> DECIMAL(p,s) when DuckDB can hold it exactly; an unconstrained numeric has no fixed scale -> DOUBLE. */
function decimalType(sourceType: string): string {
  const match = /^numeric\((\d+),(\d+)\)$/.exec(sourceType);
  if (!match || Number(match[1]) > MAX_DECIMAL_PRECISION) return 'DOUBLE';
  return `DECIMAL(${match[1]},${match[2]})`;
}

function exportExpression(column: CsvColumn): string {
  const ref = `reef_source.${quoteIdent(column.name)}`;
  return column.transport === 'json-list' || column.transport === 'era-list' ? `array_to_json(${ref}) AS ${quoteIdent(column.name)}` : ref;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
