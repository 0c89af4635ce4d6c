// Streams a source query into one Parquet object with bounded memory, whatever the row count.
//
// PostgreSQL: `COPY (query) TO STDOUT (FORMAT csv)` is the fastest way rows leave PostgreSQL; the CSV flows through a
// bounded queue (CopyToStream.pipeTo, 32 MB: PostgreSQL keeps sending while DuckDB encodes a row group) and a
// named pipe into DuckDB's `read_csv` (explicit column types from the described query: no sniffing) and out through
// `COPY … TO parquet`, which writes row groups as rows arrive (DESIGN.md measured ~480k rows/s for this chain on
// an idle machine, JS Parquet writers 65–130k rows/s; `npm run bench:materialize` measures it against psql).
// MySQL/MariaDB: rows stream from mysql2 in batches into a DuckDB appender on an on-disk scratch database (so
// staged rows spill to disk, not memory), then `COPY … TO parquet`.
// files: DuckDB runs the query and writes Parquet itself.
//
// DuckDB writes the Parquet into a named pipe that is uploaded to its key as it is written (the upload overlaps the
// query, and no local Parquet file is kept). The upload's body ends only once DuckDB, and the source feeding it, have
// succeeded: a failure aborts the upload instead, and object stores publish an object only when its upload completes
// (S3 multipart; a rename on the local store), so no reader ever sees half an object and a failure leaves nothing.
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { constants, createReadStream, open as openCallback } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import type { AnySource } from '../sources/connect.ts';
import { canceledError, translateSourceError } from '../sources/errors.ts';
import type { MysqlColumn } from '../sources/mysql.ts';
import type { CopyToStream } from '../sources/postgres-copy.ts';
import type { CsvColumn } from '../sources/postgres.ts';
import type { ObjectStore } from '../storage/index.ts';
import { PARQUET_MEDIA_TYPE } from '../../shared/schema/asset.ts';

export type MaterializeOptions = {
  /** For error messages: e.g. 'index "recent_comments"'. */
  asset?: string;
  /** Statement timeout of the source query; the source's default otherwise. */
  timeoutMs?: number;
  /** Aborting it cancels the source statement and stops the write; nothing is published (SOURCE_CANCELED). */
  signal?: AbortSignal;
  /** Called every `progressEveryRows` rows (default 50,000) with the rows streamed so far (for PostgreSQL: CSV lines). */
  onProgress?: (rows: number) => void | Promise<void>;
  progressEveryRows?: number;
  /** DuckDB's memory limit while writing; it spills to the scratch folder beyond it. */
  memoryLimit?: string;
  threads?: number;
  rowGroupSize?: number;
};

export type ParquetColumn = { name: string; type: string };
export type MaterializeResult = { rowCount: number; schema: ParquetColumn[]; bytes: number };

const DEFAULT_PROGRESS_EVERY_ROWS = 50_000;
// One DuckDB thread for PostgreSQL's rows: they arrive through one pipe, so one thread reads and encodes them, and a
// second one only added CPU (1.13 against 0.92 CPU s to encode the 2M-row benchmark) that PostgreSQL, on the same
// cores, could use.
const POSTGRES_DUCKDB_THREADS = 1;
// DuckDB's CSV reader keeps several buffers per thread; reading 2M rows from a pipe, 1 MiB buffers peaked at
// 280 MB RSS where the default buffers peaked at 440 MB. A single CSV line must fit in one buffer.
const CSV_BUFFER_BYTES = 1024 * 1024;
const execFileAsync = promisify(execFile);
const openFd = promisify(openCallback);

/** Runs `sql` with `params` against `source` and writes the result to `store` at `key` as one Parquet object. */
export async function streamQueryToParquet(
  source: AnySource,
  sql: string,
  params: Record<string, unknown>,
  store: ObjectStore,
  key: string,
  options: MaterializeOptions = {},
): Promise<MaterializeResult> {
  const scratch = await mkdtemp(join(tmpdir(), 'reef-materialize-'));
  const target: Target = { store, key };
  try {
    const written =
      source.kind === 'postgresql'
        ? await source.copyCsv(sql, params, options, (columns, csv) => postgresCsvToStore(columns, csv, scratch, target, options))
        : source.kind === 'mysql'
          ? await source.streamRows(sql, params, options, (columns, batches) => mysqlRowsToStore(columns, batches, scratch, target, options))
          : await source.withQuery(sql, params, options, (query, session) =>
              duckdbQueryToStore(session.connection, query, session.outputDir, target, options),
            );
    return written;
  } catch (error) {
    // Once canceled, whatever broke on the way out (the pipe, the upload) is a consequence of the cancel.
    if (options.signal?.aborted) throw canceledError(options.asset);
    if (isObjectStoreError(error)) throw error;
    throw translateSourceError(error, { asset: options.asset, sql });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Whether a retry may cure a failed materialization: a lost source connection or an unreachable object store. */
export function isTransientMaterializeError(error: unknown): boolean {
  const e = error as { transient?: unknown; code?: unknown } | null;
  return e?.transient === true || e?.code === 'OBJECT_STORE_UNAVAILABLE';
}

// Checked by shape, not instanceof (STYLE.md: no instanceof across bundle boundaries).
function isObjectStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('OBJECT_');
}

/** Where the Parquet goes; `put` must publish the object only when its body ends (both stores do). */
type Target = { store: ObjectStore; key: string };

/**
 * Runs DuckDB's `COPY (select) TO parquet` into a named pipe whose other end is uploaded to the key as the row
 * groups are written: no local Parquet file, and the upload overlaps the query. `succeeded`, when given, is asked
 * after DuckDB finishes whether the rows it read were all of them (it throws when the source failed mid-stream).
 */
async function copyParquetToStore(
  connection: DuckDBConnection,
  select: string,
  values: (string | number | bigint | boolean | null)[],
  pipeDir: string,
  target: Target,
  options: MaterializeOptions,
  succeeded?: () => Promise<void>,
): Promise<{ rowCount: number; bytes: number }> {
  const fifo = join(pipeDir, 'result.parquet');
  await execFileAsync('mkfifo', [fifo]);
  const parquet = createReadStream(fifo);
  const gate = completionGate();
  parquet.on('error', (error) => gate.body.destroy(error));
  parquet.pipe(gate.body);
  const upload = target.store.put(target.key, gate.body, { contentType: PARQUET_MEDIA_TYPE }).then(
    (result) => ({ result }),
    (error: unknown) => {
      // Stop reading, so DuckDB's next write fails (broken pipe) instead of waiting on a full pipe.
      parquet.destroy();
      return { error };
    },
  );
  let copied: Awaited<ReturnType<DuckDBConnection['run']>>;
  try {
    copied = await connection.run(copyToParquet(select, fifo, options), values);
    await succeeded?.();
  } catch (error) {
    // DuckDB or the source failed: the upload is aborted, and one still opening the pipe is released by a writer
    // that closes at once. When the upload failed first (the store is down), that is the reason to report.
    gate.fail(error);
    await releasePipeReader(fifo, upload);
    const uploaded = await upload;
    throw 'error' in uploaded && uploaded.error !== error ? uploaded.error : error;
  }
  gate.complete();
  const uploaded = await upload;
  if ('error' in uploaded) throw uploaded.error;
  return { rowCount: Number(copied.rowsChanged), bytes: uploaded.result.bytes };
}

/** A pass-through body whose end waits for a verdict: `complete()` ends it, `fail(error)` errors it instead. */
function completionGate() {
  let settle!: (error: unknown) => void;
  const verdict = new Promise<unknown>((resolve) => (settle = resolve));
  const body = new Transform({
    transform: (chunk, _encoding, callback) => callback(null, chunk),
    flush: (callback) => void verdict.then((error) => callback(error === undefined ? null : (error as Error))),
  });
  return { body, complete: () => settle(undefined), fail: (error: unknown) => settle(error) };
}

/** Opens and closes the pipe's write end until the reader has settled, so a reader blocked in open() sees EOF. */
async function releasePipeReader(fifo: string, settled: Promise<unknown>): Promise<void> {
  let done = false;
  void settled.then(() => (done = true));
  while (!done) {
    const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
    await handle?.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function openDuckdb(path: string, scratch: string, options: MaterializeOptions) {
  const instance = await DuckDBInstance.create(path, {
    threads: String(options.threads ?? 2),
    memory_limit: options.memoryLimit ?? '128MB',
    temp_directory: join(scratch, 'spill'),
    preserve_insertion_order: 'true',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  // Naive timestamp text is UTC (PostgreSQL and MySQL sessions are set to UTC); ICU is built in.
  await connection.run("SET TimeZone = 'UTC'");
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

// Parquet format 2 pages (delta encodings) made the 2M-row benchmark object 27% smaller for the same CPU. zstd at
// level 1 then halved it again (74.8 -> 38.7 MB) and wrote faster than snappy (748 vs 887 ms from a CSV file): half
// the bytes to upload and for the browser to fetch (parquet-wasm, DuckDB, pyarrow read it; hyparquet with
// hyparquet-compressors). Bloom filters only help point lookups, which assets do not get, and cost CPU to write.
// A string column gets a dictionary only while a row group holds at most DICTIONARY_ENTRIES distinct values: DuckDB
// otherwise builds one for every text column first, and trying it on unique texts was a fifth of the encoding CPU
// (0.89 -> 0.69 CPU s on the benchmark, same bytes; its 5-value category column keeps its dictionary).
const DICTIONARY_ENTRIES = 1000;
function copyToParquet(select: string, parquetPath: string, options: MaterializeOptions): string {
  return `COPY (${select}) TO ${quoteLiteral(parquetPath)} (FORMAT parquet, PARQUET_VERSION V2, WRITE_BLOOM_FILTER false, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT ${DICTIONARY_ENTRIES}, ROW_GROUP_SIZE ${options.rowGroupSize ?? 122_880})`;
}

async function describeSelect(
  connection: DuckDBConnection,
  select: string,
  values: (string | number | bigint | boolean | null)[],
): Promise<ParquetColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${select}`, values);
  return reader.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

async function postgresCsvToStore(
  columns: CsvColumn[],
  csv: CopyToStream,
  scratch: string,
  target: Target,
  options: MaterializeOptions,
): Promise<MaterializeResult> {
  // A named pipe lets DuckDB parse while PostgreSQL is still sending: nothing waits for the whole CSV.
  const fifo = join(scratch, 'rows.csv');
  await execFileAsync('mkfifo', [fifo]);
  // Counting lines for progress costs a pass over every byte; skip it when nobody listens.
  // The source is piped at once (its errors are caught from the start); the pipe opens when DuckDB reads it, and
  // until then the rows wait in pipeTo's queue, which also lets PostgreSQL keep sending while DuckDB encodes.
  const progress = options.onProgress ? lineProgress(options) : undefined;
  const feeding = csv.pipeTo(pipeWriter(fifo), progress?.count).then(() => progress?.settled());
  const fed = feeding.then(() => undefined, (error: unknown) => ({ error }));
  // The source failing mid-stream closes the pipe early: DuckDB then writes a valid-looking but partial Parquet,
  // which must not be published.
  const sourceSucceeded = async () => {
    const failure = await fed;
    if (failure) throw failure.error;
  };
  const select = csvSelect(fifo, columns);
  let duck: Awaited<ReturnType<typeof openDuckdb>> | undefined;
  try {
    duck = await openDuckdb(':memory:', scratch, { ...options, threads: options.threads ?? POSTGRES_DUCKDB_THREADS });
    const written = await copyParquetToStore(duck.connection, select, [], scratch, target, options, sourceSucceeded);
    // The Parquet columns are exactly the types read_csv and the expressions above produce.
    return { ...written, schema: columns.map(({ name, type }) => ({ name, type })) };
  } catch (error) {
    // DuckDB stopped reading (or never started). Stop the source, and read the pipe ourselves until the writer
    // lets go of it: a writer still opening the pipe, or blocked on a full one, would otherwise wait forever.
    csv.destroy();
    await drainPipeUntil(fifo, fed);
    throw error;
  } finally {
    duck?.close();
  }
}

/** The rows of PostgreSQL's CSV at `path` with their DuckDB types: explicit column types, no sniffing. */
function csvSelect(path: string, columns: CsvColumn[]): string {
  const types = columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.transport === 'plain' ? c.type : 'VARCHAR')}`);
  return `SELECT ${columns.map(csvColumnExpression).join(', ')} FROM read_csv(${quoteLiteral(path)}, header = true,
    auto_detect = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false,
    buffer_size = ${CSV_BUFFER_BYTES}, columns = {${types.join(', ')}})`;
}

/**
 * DuckDB's part of a PostgreSQL materialization alone: PostgreSQL's CSV, already in a file, to a Parquet file, with
 * the settings postgresCsvToStore uses. bench:materialize measures it: the work no faster transport could remove.
 */
export async function csvFileToParquet(csvPath: string, columns: CsvColumn[], parquetPath: string, scratch: string): Promise<void> {
  const duck = await openDuckdb(':memory:', scratch, { threads: POSTGRES_DUCKDB_THREADS });
  try {
    await duck.connection.run(copyToParquet(csvSelect(csvPath, columns), parquetPath, {}));
  } finally {
    duck.close();
  }
}

/**
 * The write end of a named pipe as a libuv pipe stream: writes go through the event loop instead of the thread pool
 * (fs.createWriteStream cost ~0.4 CPU s more on 2M rows). The open waits for the reader, as a plain write open does:
 * bytes written before anyone reads would be lost when the last end closes.
 */
async function pipeWriter(fifo: string): Promise<Socket> {
  const fd = await openFd(fifo, constants.O_WRONLY);
  return new Socket({ fd, readable: false, writable: true });
}

async function drainPipeUntil(fifo: string, settled: Promise<unknown>): Promise<void> {
  const handle = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  let done = false;
  void settled.then(() => (done = true));
  const buffer = Buffer.alloc(64 * 1024);
  try {
    while (!done) {
      const bytesRead = await handle.read(buffer, 0, buffer.length, null).then((r) => r.bytesRead, () => 0);
      if (bytesRead === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await handle.close();
  }
}

function csvColumnExpression(column: CsvColumn): string {
  const ref = quoteIdent(column.name);
  if (column.transport === 'hex') return `unhex(substr(${ref}, 3)) AS ${ref}`;
  if (column.transport === 'json-list') return `CAST(CAST(${ref} AS JSON) AS ${column.type}) AS ${ref}`;
  if (column.transport === 'era') return `CAST(${eraText(ref)} AS ${column.type}) AS ${ref}`;
  if (column.transport === 'era-list') return `CAST(list_transform(CAST(CAST(${ref} AS JSON) AS VARCHAR[]), lambda x: ${eraText('x')}) AS ${column.type}) AS ${ref}`;
  return ref;
}

/**
 * PostgreSQL's "4713-01-01 10:00:00 BC" (in JSON "4713-01-01T10:00:00 BC") as DuckDB writes it, "4713-01-01 (BC)
 * 10:00:00"; only such values pay for the regex.
 */
const eraText = (text: string) =>
  `CASE WHEN ends_with(${text}, ' BC') THEN regexp_replace(replace(${text}, 'T', ' '), '^(\\S+)(.*) BC$', '\\1 (BC)\\2') ELSE ${text} END`;

/**
 * Counts CSV lines for progress (a value with a newline in it counts twice: it is a hint) and reports every
 * `progressEveryRows`, in order and one report at a time, without holding the rows back; `settled` waits for the
 * reports and throws if one failed (so does the next `count`, which stops the COPY).
 */
function lineProgress({ onProgress, progressEveryRows = DEFAULT_PROGRESS_EVERY_ROWS }: MaterializeOptions) {
  let lines = -1;
  let reported = 0;
  let reporting = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const report = (rows: number) => {
    reporting = reporting.then(() => (failure ? undefined : onProgress?.(rows))).catch((error: unknown) => {
      failure ??= { error };
    });
  };
  return {
    count(chunk: Buffer): void {
      if (failure) throw failure.error;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        lines++;
        if (lines - reported < progressEveryRows) continue;
        reported = lines;
        report(lines);
      }
    },
    async settled(): Promise<void> {
      await reporting;
      if (failure) throw failure.error;
    },
  };
}

async function mysqlRowsToStore(
  columns: MysqlColumn[],
  batches: AsyncIterable<unknown[][]>,
  scratch: string,
  target: Target,
  options: MaterializeOptions,
): Promise<MaterializeResult> {
  // An on-disk scratch database: staged rows beyond the memory limit live on disk.
  const duck = await openDuckdb(join(scratch, 'stage.duckdb'), scratch, options);
  try {
    const staged = columns.map((c, i) => `c${i} ${c.transport === 'binary' ? 'BLOB' : 'VARCHAR'}`);
    await duck.connection.run(`CREATE TABLE stage (${staged.join(', ')})`);
    const appender = await duck.connection.createAppender('stage');
    let rows = 0;
    let reported = 0;
    for await (const batch of batches) {
      for (const row of batch) {
        for (let i = 0; i < columns.length; i++) {
          const value = row[i];
          if (value === null || value === undefined) appender.appendNull();
          else if (columns[i].transport === 'binary') appender.appendBlob(value as Uint8Array);
          else appender.appendVarchar(String(value));
        }
        appender.endRow();
      }
      appender.flushSync();
      rows += batch.length;
      if (options.onProgress && rows - reported >= (options.progressEveryRows ?? DEFAULT_PROGRESS_EVERY_ROWS)) {
        reported = rows;
        await options.onProgress(rows);
      }
    }
    appender.closeSync();
    const select = `SELECT ${columns.map(stagedColumnExpression).join(', ')} FROM stage`;
    const schema = await describeSelect(duck.connection, select, []);
    return { ...(await copyParquetToStore(duck.connection, select, [], scratch, target, options)), schema };
  } finally {
    duck.close();
  }
}

function stagedColumnExpression(column: MysqlColumn, index: number): string {
  const as = quoteIdent(column.name);
  if (column.transport === 'binary') return `c${index} AS ${as}`;
  if (column.transport === 'flag') return `CAST(c${index} AS INTEGER) <> 0 AS ${as}`;
  return `CAST(c${index} AS ${column.type}) AS ${as}`;
}

async function duckdbQueryToStore(
  connection: DuckDBConnection,
  query: { text: string; values: (string | number | bigint | boolean | null)[] },
  outputDir: string,
  target: Target,
  options: MaterializeOptions,
): Promise<MaterializeResult> {
  // The files session may write only inside its output folder, so the pipe lives there.
  const select = `${query.text}\n`;
  const schema = await describeSelect(connection, select, query.values);
  const written = await copyParquetToStore(connection, select, query.values, outputDir, target, options);
  await options.onProgress?.(written.rowCount);
  return { ...written, schema };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
