// The `files` source: CSV and Parquet objects under one prefix of the object store, queried with DuckDB
// (@duckdb/node-api). Each object is a view named after the file (`comments.csv` -> "comments"). Each operation gets
// a fresh in-memory DuckDB that may read only the connection's files (and write only its own output folder), with
// extension downloads off and the configuration locked, so a query cannot reach other files or undo the limits.
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '../storage/index.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { assertSourceSql, bindValues, canceledError, SourceError, runCallback, sourceFailure } from './errors.ts';
import type { ErrorContext } from './errors.ts';
import { DEFAULT_PREVIEW_LIMIT, DEFAULT_PREVIEW_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS, duplicateColumnName, groupColumns } from './index.ts';
import type { ColumnSchema, ConnectionTest, PreviewResult, QueryOptions, SchemaTable, Source } from './index.ts';
import { compileNamedParams } from './params.ts';
import type { ParamValue } from './params.ts';

export type FilesSourceConfig = {
  store: ObjectStore;
  /** The connection's folder in the store, e.g. 'connections/42/files/'. */
  prefix: string;
  previewTimeoutMs?: number;
  queryTimeoutMs?: number;
  /** DuckDB's memory limit for one query; it spills to a temp folder beyond it. */
  memoryLimit?: string;
};

type FileTable = { name: string; key: string; format: 'csv' | 'parquet' };

/** A DuckDB session over the connection's files, for one operation. */
export type FilesSession = {
  connection: DuckDBConnection;
  /** A folder the session may write to (materialization output). */
  outputDir: string;
};

const TABLE_FILE = /^([A-Za-z_][A-Za-z0-9_]*)\.(csv|parquet)$/i;

export class FilesSource implements Source {
  readonly kind = 'files';
  readonly dialect = 'duckdb';
  private readonly config: FilesSourceConfig;

  constructor(config: FilesSourceConfig) {
    this.config = config;
  }

  async testConnection(): Promise<ConnectionTest> {
    return this.session(this.previewTimeout(), {}, async ({ connection }) => {
      const reader = await connection.runAndReadAll('SELECT version() AS v');
      const tables = await this.tables();
      return { serverVersion: `DuckDB ${String(reader.getRows()[0][0])} over ${tables.length} file(s)` };
    });
  }

  async listSchema(): Promise<SchemaTable[]> {
    return this.session(this.previewTimeout(), {}, async ({ connection }) => {
      const reader = await connection.runAndReadAll(
        `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'main' ORDER BY table_name, ordinal_position`,
      );
      return groupColumns(reader.getRows().map((r) => r.map(String)));
    });
  }

  async preview(sql: string, params: Record<string, unknown>, options: QueryOptions & { limit?: number } = {}): Promise<PreviewResult> {
    const { text, values, context } = await prepare(sql, params, options.asset);
    const limit = options.limit ?? DEFAULT_PREVIEW_LIMIT;
    return this.session(options.timeoutMs ?? this.previewTimeout(), context, async ({ connection }) => {
      const result = await connection.stream(text, values);
      const columns = describeResult(result.columnNames(), result.columnTypes().map(String), options.asset);
      const rows: Record<string, unknown>[] = [];
      for await (const batch of result.yieldRowObjectJson()) {
        rows.push(...batch.slice(0, limit - rows.length));
        if (rows.length >= limit) break;
      }
      return { columns, rows };
    }, options.signal);
  }

  /**
   * Runs `work` with the query's text ($n placeholders), values and a session over the files; the materializer
   * uses it to COPY the query straight to Parquet inside DuckDB.
   */
  async withQuery<T>(
    sql: string,
    params: Record<string, unknown>,
    options: QueryOptions,
    work: (query: { text: string; values: ParamValue[] }, session: FilesSession) => Promise<T>,
  ): Promise<T> {
    const { text, values, context } = await prepare(sql, params, options.asset);
    const timeoutMs = options.timeoutMs ?? this.config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    return this.session(timeoutMs, context, (session) => runCallback(() => work({ text, values }, session)), options.signal);
  }

  /** The CSV and Parquet objects directly under the prefix, named after their files. */
  async tables(): Promise<FileTable[]> {
    const objects = await this.config.store.list(this.config.prefix);
    const tables: FileTable[] = [];
    for (const object of objects) {
      const match = TABLE_FILE.exec(object.key.slice(this.config.prefix.length));
      if (match) tables.push({ name: match[1], key: object.key, format: match[2].toLowerCase() as 'csv' | 'parquet' });
    }
    return tables;
  }

  private previewTimeout(): number {
    return this.config.previewTimeoutMs ?? DEFAULT_PREVIEW_TIMEOUT_MS;
  }

  private async session<T>(timeoutMs: number, context: ErrorContext, work: (session: FilesSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw canceledError(context.asset);
    const scratch = await mkdtemp(join(tmpdir(), 'reef-files-'));
    const outputDir = join(scratch, 'out');
    const instance = await DuckDBInstance.create(':memory:', {
      threads: '2',
      memory_limit: this.config.memoryLimit ?? '512MB',
      temp_directory: join(scratch, 'spill'),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    // Where each file sits on this machine, to take out of error messages.
    const localPaths = new Map<string, string>([[scratch, '']]);
    // DuckDB has no statement timeout; interrupting the connection cancels the running query. An interrupt that
    // lands between statements (while the views are created) is lost, so it repeats until the work ends.
    let interrupting: NodeJS.Timeout | undefined;
    const interrupt = () => {
      connection.interrupt();
      interrupting ??= setInterval(() => connection.interrupt(), 50);
    };
    const timer = setTimeout(interrupt, timeoutMs);
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      await connection.run("SET TimeZone = 'UTC'");
      const readable = await this.attachTables(connection, scratch, localPaths);
      await connection.run(`SET allowed_directories = [${[...readable, `${outputDir}/`, `${join(scratch, 'spill')}/`].map(quoteLiteral).join(', ')}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET lock_configuration = true');
      await mkdir(outputDir, { recursive: true });
      const result = await work({ connection, outputDir });
      if (signal?.aborted) throw canceledError(context.asset);
      return result;
    } catch (error) {
      if (signal?.aborted) throw canceledError(context.asset);
      throw withoutServerPaths(sourceFailure(error, context), localPaths);
    } finally {
      signal?.removeEventListener('abort', interrupt);
      clearTimeout(timer);
      clearInterval(interrupting);
      connection.closeSync();
      instance.closeSync();
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Creates one view per file and returns the directories DuckDB must be allowed to read. */
  private async attachTables(connection: DuckDBConnection, scratch: string, localPaths: Map<string, string>): Promise<string[]> {
    const store = this.config.store;
    const dirs = new Set<string>();
    for (const table of await this.tables()) {
      let path: string;
      if (store instanceof LocalObjectStore) {
        path = store.pathOf(table.key);
      } else {
        // DuckDB cannot reach S3 offline (httpfs is not bundled): copy the object next to the session.
        path = join(scratch, 'files', `${table.name}.${table.format}`);
        await mkdir(join(scratch, 'files'), { recursive: true });
        await pipeline(await store.get(table.key), createWriteStream(path));
      }
      dirs.add(path.slice(0, path.lastIndexOf('/') + 1));
      localPaths.set(path, `${table.name}.${table.format}`);
      const reader = table.format === 'csv' ? 'read_csv' : 'read_parquet';
      await connection.run(`CREATE VIEW ${quoteIdent(table.name)} AS SELECT * FROM ${reader}(${quoteLiteral(path)})`);
    }
    return [...dirs];
  }
}

/**
 * The error with this machine's paths taken out of its message and details: each file's path becomes its file
 * name, and any other absolute path (DuckDB echoes the query, cut short) becomes "…".
 */
function withoutServerPaths(error: unknown, localPaths: Map<string, string>): unknown {
  const scrub = (text: string) => {
    let out = text;
    for (const [path, name] of [...localPaths].sort((a, b) => b[0].length - a[0].length)) out = out.replaceAll(path, name);
    return out.replace(/(?:\/[\w.@+-]+){2,}\/?(?:\.\.\.)?/g, '…');
  };
  if (!(error instanceof Error)) return error;
  error.message = scrub(error.message);
  const details = (error as { details?: unknown }).details;
  if (details && typeof details === 'object') {
    for (const [key, value] of Object.entries(details)) if (typeof value === 'string') (details as Record<string, unknown>)[key] = scrub(value);
  }
  return error;
}

async function prepare(sql: string, params: Record<string, unknown>, asset?: string) {
  await assertSourceSql(sql, 'duckdb', asset);
  const compiled = compileNamedParams(sql, 'duckdb', { dropTerminators: true });
  const values = bindValues(compiled, params, asset);
  const context: ErrorContext = { asset, sql, compiled };
  return { text: compiled.text, values: values as (string | number | bigint | boolean | null)[], context };
}

export function describeResult(names: string[], types: string[], asset?: string): ColumnSchema[] {
  const duplicate = duplicateColumnName(names);
  if (duplicate !== undefined) {
    throw new SourceError(
      'SOURCE_RESULT_SHAPE',
      `The query${asset ? ` in ${asset}` : ''} returns two columns named "${duplicate}"; give one of them another name with AS.`,
      { details: { asset } },
    );
  }
  return names.map((name, i) => ({ name, type: types[i], sourceType: types[i] }));
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
