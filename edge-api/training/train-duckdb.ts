// The data side of a training unit, in DuckDB (@duckdb/node-api): read the pinned index slice joined to its rules
// on the key, hand the columns LFs read to JavaScript in shared/lf's ColumnBatch layout, and write results Parquet.
// One DuckDB per job, one thread, a memory cap: a worker process is one core's worth of work, and more workers
// (processes) are how a run goes faster.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { BatchColumn, ColumnBatch, StringColumn } from '../../shared/lf/column-batch.ts';
import { quoteIdent, stringLiteral } from '../../shared/lf/sql-literals.ts';
import type { AssetColumn } from '../../shared/lf/types.ts';
import type { ObjectStore } from '../storage/index.ts';
import { columnSources, type PinnedAsset, type TrainUnit } from './train-spec.ts';

export interface UnitDb {
  connection: DuckDBConnection;
  scratch: string;
  close(): Promise<void>;
}

export async function openUnitDb(scratchRoot = tmpdir()): Promise<UnitDb> {
  const scratch = join(scratchRoot, `reef-train-${randomUUID()}`);
  await mkdir(scratch, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: '512MB',
    temp_directory: join(scratch, 'spill'),
    // Offline machines: nothing may be downloaded at run time; parquet is built in.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  // TIMESTAMPTZ columns reach LFs as UTC wall-clock TIMESTAMPs (shared/lf/types.ts).
  await connection.run("SET TimeZone = 'UTC'");
  return {
    connection, scratch,
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * A file DuckDB can read for `key`: the object itself on the local store; on S3 a copy in a per-machine cache
 * (asset versions and results never change once written, so a cached copy never goes stale).
 */
export async function localPathOf(store: ObjectStore, key: string, cacheRoot = join(tmpdir(), 'reef-object-cache')): Promise<string> {
  const local = store as ObjectStore & { pathOf?: (key: string) => string };
  if (store.kind === 'local' && typeof local.pathOf === 'function') return local.pathOf(key);
  const path = join(cacheRoot, ...key.split('/'));
  const { existsSync } = await import('node:fs');
  if (existsSync(path)) return path;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.part`;
  try {
    await pipeline(await store.get(key), createWriteStream(temp));
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}

const sqlPath = (path: string) => stringLiteral(path);
const fileList = (paths: string[]) => `[${paths.map(sqlPath).join(', ')}]`;

/** Rows [lo, hi) of one index part, numbered 0.. as reef_row. */
function indexSlice(path: string, unit: TrainUnit, select: string) {
  return `(SELECT ${select}, (file_row_number - ${unit.lo})::INTEGER AS reef_row FROM read_parquet(${sqlPath(path)}, file_row_number = true)
    WHERE file_row_number >= ${unit.lo} AND file_row_number < ${unit.hi})`;
}

const CAST: Record<AssetColumn['type'], string> = { integer: 'BIGINT', float: 'DOUBLE', string: 'VARCHAR', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP' };

export interface UnitSource {
  indexPath: string;
  unit: TrainUnit;
  index: PinnedAsset;
  rules: { asset: PinnedAsset; paths: string[] }[];
  schema: AssetColumn[];
  /** Gold labels by sample key (text), when the concept has any. */
  gold?: Map<string, number>;
}

export class UnitDataError extends Error {
  readonly code: 'RULE_KEY_NOT_UNIQUE' | 'ASSET_READ_FAILED';
  constructor(code: UnitDataError['code'], message: string) {
    super(message);
    this.name = 'UnitDataError';
    this.code = code;
  }
}

/** Where a unit's rows are: a FROM-able relation with reef_row (0..n-1), reef_gold when asked, and c0..cN in schema order. */
export interface UnitRows {
  relation: string;
  n: number;
}

/**
 * The unit's rows. Without rules or gold labels they are read straight from the Parquet slice, column by column,
 * as each is needed; with them, the join is done once into the temp table `unit`.
 */
export async function loadUnit(db: UnitDb, source: UnitSource): Promise<UnitRows> {
  const { connection } = db;
  const { unit, index, rules, schema } = source;
  const n = unit.hi - unit.lo;
  const sources = columnSources(index, rules.map((r) => r.asset));
  if (sources.length !== schema.length || sources.some((c, j) => c.name !== schema[j]!.name)) {
    throw new UnitDataError('ASSET_READ_FAILED', 'The run\'s column list does not match its pinned assets; start the run again.');
  }
  const columnSql = (qualified: boolean) => sources.map((c, j) => {
    const from = !qualified ? '' : c.from === 'index' ? 'i.' : `r${c.from}.`;
    return `CAST(${from}${quoteIdent(c.column)} AS ${CAST[c.type]}) AS c${j}`;
  });
  if (rules.length === 0 && !source.gold) {
    return { relation: indexSlice(source.indexPath, unit, columnSql(false).join(', ')), n };
  }
  const columns = columnSql(true);
  const key = quoteIdent(index.key_column);
  let from = `${indexSlice(source.indexPath, unit, '*')} i`;
  rules.forEach((rule, r) => {
    from += ` LEFT JOIN read_parquet(${fileList(rule.paths)}) r${r} ON i.${key} = r${r}.${quoteIdent(rule.asset.key_column)}`;
  });
  if (source.gold) {
    await connection.run('CREATE OR REPLACE TEMP TABLE gold (sample_key VARCHAR PRIMARY KEY, label SMALLINT)');
    const appender = await connection.createAppender('gold');
    for (const [sampleKey, label] of source.gold) {
      appender.appendVarchar(sampleKey);
      appender.appendSmallInt(label);
      appender.endRow();
    }
    appender.closeSync();
    from += ` LEFT JOIN gold g ON CAST(i.${key} AS VARCHAR) = g.sample_key`;
  }
  const gold = source.gold ? ', coalesce(g.label, -1)::SMALLINT AS reef_gold' : '';
  try {
    await connection.run(`CREATE OR REPLACE TEMP TABLE unit AS SELECT i.reef_row${gold}${columns.map((c) => `, ${c}`).join('')} FROM ${from}`);
  } catch (err) {
    throw new UnitDataError('ASSET_READ_FAILED', `Reading rows ${unit.lo}..${unit.hi} of index "${index.name}" failed: ${(err as Error).message}`);
  }
  const rows = Number((await connection.runAndReadAll('SELECT count(*) FROM unit')).getRowsJS()[0]![0]);
  if (rows !== n) {
    for (const rule of rules) {
      const dup = await connection.runAndReadAll(`SELECT CAST(${quoteIdent(rule.asset.key_column)} AS VARCHAR) FROM read_parquet(${fileList(rule.paths)}) GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
      const sample = dup.getRowsJS()[0]?.[0];
      if (sample !== undefined) {
        throw new UnitDataError('RULE_KEY_NOT_UNIQUE', `Rule "${rule.asset.name}" has more than one row for key ${String(sample)}; a rule must give at most one row per sample (group by "${rule.asset.key_column}").`);
      }
    }
    throw new UnitDataError('ASSET_READ_FAILED', `Index "${index.name}" rows ${unit.lo}..${unit.hi} gave ${rows} rows; materialize it again.`);
  }
  return { relation: 'unit', n };
}

/** Scans a query's chunks, calling `visit` with each. */
async function forEachChunk(connection: DuckDBConnection, sql: string, visit: (chunk: DuckDBDataChunk) => void) {
  const result = await connection.run(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    visit(chunk);
  }
}

type NumberItems = Int32Array | Int16Array | Uint8Array | Float64Array;

/** The field a @duckdb/node-api vector keeps its values in, typed as unknown since the library does not declare it. */
const itemsOf = (vector: object): unknown => ('items' in vector ? vector.items : undefined);

/**
 * A numeric vector's values as the typed array @duckdb/node-api keeps them in (a field it does not type as public):
 * copying those is what makes moving a million numbers take milliseconds instead of a second of getItem calls.
 * Falls back to getItem should a later version keep them elsewhere.
 */
function vectorItems<T extends NumberItems | BigInt64Array>(chunk: DuckDBDataChunk, column: number, make: (n: number) => T): T {
  const vector = chunk.getColumnVector(column);
  const items = itemsOf(vector);
  if (ArrayBuffer.isView(items) && (items as T).length === chunk.rowCount && items.constructor === make(0).constructor) return items as T;
  const out = make(chunk.rowCount);
  // Element by element: T's element type (number or bigint) is what getItem gives for this column.
  for (let i = 0; i < chunk.rowCount; i++) Reflect.set(out, i, vector.getItem(i));
  return out;
}

const int32 = (n: number) => new Int32Array(n);

/** The gold label of each row of the unit (-1 where there is none). */
export async function readUnitGold(db: UnitDb, rows: UnitRows): Promise<Int16Array> {
  const gold = new Int16Array(rows.n);
  await forEachChunk(db.connection, `SELECT reef_row, reef_gold FROM ${rows.relation}`, (chunk) => {
    const at = vectorItems(chunk, 0, int32);
    const label = vectorItems(chunk, 1, (n) => new Int16Array(n));
    for (let i = 0; i < chunk.rowCount; i++) gold[at[i]!] = label[i]!;
  });
  return gold;
}

/** Rows per string_agg group when moving text: one sort per block keeps each sort small. */
const TEXT_BLOCK = 65_536;

/**
 * Copies one chunk's values to their rows. Scans of a Parquet slice or a temp table come back in row order with one
 * thread, so this is nearly always one memcpy; the scatter is there so correctness never rests on that.
 */
function placeChunk(target: Float64Array | Int32Array | Uint8Array, items: Float64Array | Int32Array | Uint8Array, at: Int32Array, n: number) {
  const start = at[0]!;
  if (at[n - 1] === start + n - 1 && isConsecutive(at, n)) target.set(items.subarray(0, n), start);
  else for (let i = 0; i < n; i++) target[at[i]!] = items[i]!;
}

function isConsecutive(at: Int32Array, n: number): boolean {
  for (let i = 1; i < n; i++) if (at[i] !== at[i - 1]! + 1) return false;
  return true;
}

const float64 = (n: number) => new Float64Array(n);
const uint8 = (n: number) => new Uint8Array(n);

/**
 * The named columns of the unit as a ColumnBatch: the same layout the browser builds from Arrow (column-batch.ts).
 * Numbers travel as DOUBLE (timestamps in microseconds are exact as doubles within ±285 years of 1970); an integer
 * column holding values beyond ±2^53 is flagged and read again as BIGINT, so it stays exact.
 */
export async function readUnitColumns(db: UnitDb, schema: AssetColumn[], names: string[], rows: UnitRows): Promise<ColumnBatch> {
  const { n } = rows;
  const wanted = schema.map((c, j) => ({ ...c, alias: `c${j}` })).filter((c) => names.includes(c.name));
  const columns: Record<string, BatchColumn> = {};
  if (wanted.length === 0) return { length: n, columns };
  const select = wanted.map(({ type, alias }) => {
    const value = type === 'string' ? `coalesce(length(${alias}), 0)::INTEGER`
      : type === 'timestamp' ? `coalesce(epoch_us(${alias}), 0)::DOUBLE`
        : type === 'boolean' ? `coalesce(${alias}::UTINYINT, 0)` : `coalesce(${alias}, 0)::DOUBLE`;
    // 1 = NULL; 2 = an integer a double cannot hold exactly.
    const flag = type === 'integer' ? `CASE WHEN ${alias} IS NULL THEN 1 WHEN abs(${alias}) > 9007199254740991 THEN 2 ELSE 0 END::UTINYINT` : `(${alias} IS NULL)::UTINYINT`;
    return `${value}, ${flag}`;
  });
  const values = wanted.map(({ type }) => (type === 'string' ? new Int32Array(n) : type === 'boolean' ? new Uint8Array(n) : new Float64Array(n)));
  const flags = wanted.map(() => new Uint8Array(n));
  await forEachChunk(db.connection, `SELECT reef_row, ${select.join(', ')} FROM ${rows.relation}`, (chunk) => {
    const at = vectorItems(chunk, 0, int32);
    for (let w = 0; w < wanted.length; w++) {
      const out = values[w]!;
      const make = out instanceof Float64Array ? float64 : out instanceof Int32Array ? int32 : uint8;
      placeChunk(out, vectorItems(chunk, 1 + 2 * w, make as (k: number) => typeof out), at, chunk.rowCount);
      placeChunk(flags[w]!, vectorItems(chunk, 2 + 2 * w, uint8), at, chunk.rowCount);
    }
  });
  const texts = await joinedTexts(db, rows.relation, wanted.filter((c) => c.type === 'string').map((c) => c.alias));
  for (const [w, column] of wanted.entries()) {
    const flag = flags[w]!;
    const mask = flag.includes(1) ? flag.map((f) => (f === 1 ? 1 : 0)) : null;
    if (column.type === 'integer') {
      columns[column.name] = flag.includes(2)
        ? { type: 'integer', values: await exactIntegers(db, rows, column.alias), nulls: mask }
        : { type: 'integer', values: values[w] as Float64Array, nulls: mask };
    } else if (column.type === 'timestamp' || column.type === 'float') {
      columns[column.name] = { type: column.type, values: values[w] as Float64Array, nulls: mask };
    } else if (column.type === 'boolean') {
      columns[column.name] = { type: 'boolean', values: values[w] as Uint8Array, nulls: mask };
    } else {
      columns[column.name] = stringColumn(texts.get(column.alias)!, values[w] as Int32Array, mask, n);
    }
  }
  return { length: n, columns };
}

/** An integer column with values beyond ±2^53, as BigInt64Array (column-batch.ts keeps those exact). */
async function exactIntegers(db: UnitDb, rows: UnitRows, alias: string): Promise<BigInt64Array> {
  const out = new BigInt64Array(rows.n);
  await forEachChunk(db.connection, `SELECT reef_row, coalesce(${alias}, 0)::BIGINT FROM ${rows.relation}`, (chunk) => {
    const at = vectorItems(chunk, 0, int32);
    const items = vectorItems(chunk, 1, (k) => new BigInt64Array(k));
    for (let i = 0; i < chunk.rowCount; i++) out[at[i]!] = items[i]!;
  });
  return out;
}

/**
 * Text moves as a few large strings (string_agg per block of rows, every text column in one scan) instead of one
 * string per row, which is what makes the transfer fast. Each column's rows come back joined with '\n'.
 */
async function joinedTexts(db: UnitDb, relation: string, aliases: string[]): Promise<Map<string, string>> {
  const blocks = aliases.map(() => [] as string[]);
  if (aliases.length) {
    const aggregates = aliases.map((a) => `string_agg(coalesce(${a}, ''), chr(10) ORDER BY reef_row)`).join(', ');
    await forEachChunk(db.connection, `SELECT ${aggregates} FROM ${relation} GROUP BY reef_row // ${TEXT_BLOCK} ORDER BY reef_row // ${TEXT_BLOCK}`, (chunk) => {
      aliases.forEach((_, c) => {
        const v = chunk.getColumnVector(c);
        for (let i = 0; i < chunk.rowCount; i++) blocks[c]!.push(v.getItem(i) as string);
      });
    });
  }
  return new Map(aliases.map((a, c) => [a, blocks[c]!.join('\n')]));
}

/**
 * A string column from its joined text. Offsets come from DuckDB's code-point lengths; they equal UTF-16 lengths
 * unless the text holds characters beyond U+FFFF, in which case the rows are walked once.
 */
function stringColumn(text: string, codePoints: Int32Array, nulls: Uint8Array | null, n: number): StringColumn {
  const offsets = new Int32Array(n + 1);
  if (!/[\uD800-\uDFFF]/.test(text)) {
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + codePoints[i]! + 1;
  } else {
    let at = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < codePoints[i]!; c++) {
        const unit = text.charCodeAt(at);
        at += unit >= 0xd800 && unit <= 0xdbff ? 2 : 1;
      }
      at += 1;
      offsets[i + 1] = at;
    }
  }
  const hasNewline = text.length > 0 && countNewlines(text) > Math.max(0, n - 1);
  return { type: 'string', text, offsets, nulls, hasNewline };
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

export interface UnitPredictions {
  /** predicted_label per row (-1 where a tie abstains or no LF voted: shared/labelmodel/result-labels.ts). */
  labels: Int32Array;
  /** n_votes per row: how many LFs voted on it. */
  nVotes: Int32Array;
  /** n×k row-major, for softmax output. */
  probs?: Float64Array;
  confidence?: Float64Array;
  k: number;
}

const CHUNK_ROWS = 2048;

/** Fills one column of a chunk, straight into the vector's typed array when it has one (see vectorItems). */
function fillColumn(chunk: DuckDBDataChunk, column: number, rows: number, value: (i: number) => number) {
  const vector = chunk.getColumnVector(column);
  const items = itemsOf(vector);
  if ((items instanceof Float64Array || items instanceof Int32Array) && items.length === rows) {
    for (let i = 0; i < rows; i++) items[i] = value(i);
  } else {
    for (let i = 0; i < rows; i++) vector.setItem(i, value(i));
  }
  vector.flush();
}

/**
 * Writes the unit's results as one Parquet file (DESIGN.md "Results" columns): the index key, predicted_label,
 * for softmax prob_class_0..k-1 and confidence, then n_votes. The key is re-read from the pinned index slice and joined on
 * the row number, so the results carry the key's own type.
 */
export async function writeResultsParquet(
  db: UnitDb, indexPath: string, index: PinnedAsset, unit: TrainUnit, p: UnitPredictions, outPath: string, columns: 'index' | 'key' = 'key',
) {
  const { connection } = db;
  const n = p.labels.length;
  const softmax = p.probs !== undefined;
  const probColumns = softmax ? Array.from({ length: p.k }, (_, y) => `prob_class_${y}`) : [];
  const columnTypes: DuckDBType[] = [INTEGER, INTEGER, ...probColumns.map(() => DOUBLE), ...(softmax ? [DOUBLE] : []), INTEGER];
  await connection.run(`CREATE OR REPLACE TEMP TABLE preds (reef_row INTEGER, predicted_label INTEGER${probColumns.map((c) => `, ${c} DOUBLE`).join('')}${softmax ? ', confidence DOUBLE' : ''}, n_votes INTEGER)`);
  const appender = await connection.createAppender('preds');
  const chunk = DuckDBDataChunk.create(columnTypes);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - start);
    chunk.reset();
    chunk.rowCount = rows;
    fillColumn(chunk, 0, rows, (i) => start + i);
    fillColumn(chunk, 1, rows, (i) => p.labels[start + i]!);
    if (softmax) {
      for (let y = 0; y < p.k; y++) fillColumn(chunk, 2 + y, rows, (i) => p.probs![(start + i) * p.k + y]!);
      fillColumn(chunk, 2 + p.k, rows, (i) => p.confidence![start + i]!);
    }
    fillColumn(chunk, columnTypes.length - 1, rows, (i) => p.nVotes[start + i]!);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  const key = quoteIdent(index.key_column);
  const outputNames = ['predicted_label', ...probColumns, ...(softmax ? ['confidence'] : []), 'n_votes'];
  const outputs = outputNames.map((c) => `p.${c}`).join(', ');
  // Every index column streams from the index's Parquet (never through this process), less any named like an output.
  const indexColumns = columns === 'index'
    ? `COLUMNS(c -> c NOT IN (${[...outputNames, 'reef_row', 'file_row_number'].map((c) => `'${c}'`).join(', ')}))`
    : key;
  await connection.run(`COPY (SELECT i.* EXCLUDE (reef_row), ${outputs} FROM ${indexSlice(indexPath, unit, indexColumns)} i JOIN preds p USING (reef_row) ORDER BY reef_row)
    TO ${sqlPath(outPath)} (FORMAT parquet, COMPRESSION snappy)`);
}
