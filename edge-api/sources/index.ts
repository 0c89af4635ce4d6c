// A source is a database an index or rule query runs against. One interface, one file per kind: `postgres.ts`,
// `mysql.ts`, `files.ts` (DuckDB over uploaded CSV/Parquet). Every query runs as one read-only transaction with a
// statement timeout on a connection opened for it and closed after it, so nothing a query does to its session
// (advisory locks, settings) outlives it. The SQL must have passed `checkSourceSql` (edge-api/security/sql-guard.ts);
// these runtime limits are the second and third locks.
import type { ConnectionType } from '../../shared/schema/connection.ts';
import type { SqlDialect } from './params.ts';
import type { WriterPrivilege } from './writer-role.ts';

/** The SQL dialect a connection's queries are written in: a files source is queried through DuckDB. */
export function dialectOf(connectionType: ConnectionType): SqlDialect {
  return connectionType === 'files' ? 'duckdb' : connectionType;
}

/**
 * A result column. `type` is the DuckDB logical type the column has in Parquet and in the browser
 * (BIGINT, INTEGER, SMALLINT, DOUBLE, FLOAT, DECIMAL(p,s), VARCHAR, BOOLEAN, DATE, TIMESTAMP,
 * TIMESTAMP WITH TIME ZONE, TIME, UUID, BLOB, or a list such as BIGINT[]); `sourceType` is what the source called it.
 */
export type ColumnSchema = { name: string; type: string; sourceType: string };

export type SchemaTable = { schema: string; name: string; columns: { name: string; type: string }[] };

/**
 * Preview rows are JSON-safe: 64-bit integers and decimals as strings (exact), timestamps as ISO-like strings with
 * their microseconds, binary as `\x` hex; everything else as the JSON value.
 */
export type PreviewResult = { columns: ColumnSchema[]; rows: Record<string, unknown>[] };

export type QueryOptions = {
  /** For error messages: e.g. 'index "recent_comments"'. */
  asset?: string;
  /** Cancel the query after this long; defaults to the source's own. */
  timeoutMs?: number;
  /**
   * Aborting it cancels the statement on the source (pg_cancel_backend, KILL QUERY, a DuckDB interrupt) and fails
   * the operation with SOURCE_CANCELED: a canceled run must not leave its query running on the database.
   */
  signal?: AbortSignal;
};

export interface Source {
  readonly kind: 'postgresql' | 'mysql' | 'files';
  readonly dialect: SqlDialect;
  /**
   * Connects, runs a trivial query and reports the server and, for PostgreSQL, its identity (system identifier and
   * database OID: equal identities are the same database, whatever host name reaches it); throws a SourceError otherwise.
   * With `writerCheck`, a database source also lists what its login could change (writer-role.ts) in the same session.
   */
  testConnection(options?: { writerCheck?: boolean }): Promise<ConnectionTest>;
  /** Tables and columns the connection can read, for the SQL editor's completion. */
  listSchema(): Promise<SchemaTable[]>;
  /** The first `limit` rows (default 100) and the column schema of a query with `:name` parameters. */
  preview(sql: string, params: Record<string, unknown>, options?: QueryOptions & { limit?: number }): Promise<PreviewResult>;
}

export type ConnectionTest = { serverVersion: string; identity?: string; writerPrivileges?: WriterPrivilege[] };

export type ServerConnectionConfig = {
  host: string;
  port?: number;
  database: string;
  username: string;
  password?: string;
  /** Statement timeout for previews, schema listing and connection tests. */
  previewTimeoutMs?: number;
  /** Statement timeout for materialization queries. */
  queryTimeoutMs?: number;
  /** How long connecting and logging in may take, whatever answers (or does not) at host:port. */
  connectTimeoutMs?: number;
};

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** An expression naming one database of one PostgreSQL cluster, readable by any role. */
export const POSTGRES_IDENTITY =
  "(select system_identifier::text from pg_control_system()) || '/' || (select oid::text from pg_database where datname = current_database())";

export const DEFAULT_PREVIEW_TIMEOUT_MS = 30_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 60 * 60_000;
export const DEFAULT_PREVIEW_LIMIT = 100;

/** Parquet and DuckDB need distinct column names; a query with two `id` columns must alias one. */
export function duplicateColumnName(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Makes a preview value JSON-safe without losing precision (see PreviewResult). */
export function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** Groups (schema, table, column, type) rows, in their order, into tables. */
export function groupColumns(rows: string[][]): SchemaTable[] {
  const tables = new Map<string, SchemaTable>();
  for (const [schema, name, column, type] of rows) {
    const id = `${schema}.${name}`;
    let table = tables.get(id);
    if (!table) {
      table = { schema, name, columns: [] };
      tables.set(id, table);
    }
    table.columns.push({ name: column, type });
  }
  return [...tables.values()];
}
