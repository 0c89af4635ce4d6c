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
import type { PinnedAsset, TrainUnit } from './train-spec.ts';

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

/** Loads the unit into the temp table `unit` (reef_row, reef_gold?, c0..cN in schema order); returns its row count. */
export async function loadUnit(db: UnitDb, source: UnitSource): Promise<number> {
  const { connection } = db;
  const { unit, index, rules, schema } = source;
  const columnSql = schema.map((column, j) => {
    const fromIndex = index.columns.some((c) => c.name === column.name);
    const r = fromIndex ? -1 : rules.findIndex((x) => x.asset.columns.some((c) => c.name === column.name) && x.asset.key_column !== column.name);
    return `CAST(${fromIndex ? 'i' : `r${r}`}.${quoteIdent(column.name)} AS ${CAST[column.type]}) AS c${j}`;
  });
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
    await connection.run(`CREATE OR REPLACE TEMP TABLE unit AS SELECT i.reef_row${gold}${columnSql.map((c) => `, ${c}`).join('')} FROM ${from} ORDER BY i.reef_row`);
  } catch (err) {
    throw new UnitDataError('ASSET_READ_FAILED', `Reading rows ${unit.lo}..${unit.hi} of index "${index.name}" failed: ${(err as Error).message}`);
  }
  const rows = Number((await connection.runAndReadAll('SELECT count(*) FROM unit')).getRowsJS()[0]![0]);
  if (rows !== unit.hi - unit.lo) {
    for (const rule of rules) {
      const dup = await connection.runAndReadAll(`SELECT CAST(${quoteIdent(rule.asset.key_column)} AS VARCHAR) FROM read_parquet(${fileList(rule.paths)}) GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
      const sample = dup.getRowsJS()[0]?.[0];
      if (sample !== undefined) {
        throw new UnitDataError('RULE_KEY_NOT_UNIQUE', `Rule "${rule.asset.name}" has more than one row for key ${String(sample)}; a rule must give at most one row per sample (group by "${rule.asset.key_column}").`);
      }
    }
    throw new UnitDataError('ASSET_READ_FAILED', `Index "${index.name}" rows ${unit.lo}..${unit.hi} gave ${rows} rows; materialize it again.`);
  }
  return rows;
}

/** Scans the query's chunks in order, calling `visit` with each chunk and the row number of its first row. */
async function forEachChunk(connection: DuckDBConnection, sql: string, visit: (chunk: DuckDBDataChunk, start: number) => void) {
  const result = await connection.run(sql);
  let start = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    visit(chunk, start);
    start += chunk.rowCount;
  }
}

/** The gold label of each row of the unit (-1 where there is none). */
export async function readUnitGold(db: UnitDb, n: number): Promise<Int16Array> {
  const gold = new Int16Array(n);
  await forEachChunk(db.connection, 'SELECT reef_gold FROM unit ORDER BY reef_row', (chunk, start) => {
    const v = chunk.getColumnVector(0);
    for (let i = 0; i < chunk.rowCount; i++) gold[start + i] = v.getItem(i) as number;
  });
  return gold;
}

/** Rows per string_agg group when moving text: one sort per block keeps each sort small. */
const TEXT_BLOCK = 8192;

/** The named columns of the unit as a ColumnBatch: the same layout the browser builds from Arrow (column-batch.ts). */
export async function readUnitColumns(db: UnitDb, schema: AssetColumn[], names: string[], n: number): Promise<ColumnBatch> {
  const wanted = schema.map((c, j) => ({ ...c, alias: `c${j}` })).filter((c) => names.includes(c.name));
  const columns: Record<string, BatchColumn> = {};
  if (wanted.length === 0) return { length: n, columns };
  const select = wanted.map(({ type, alias }) => {
    const value = type === 'string' ? `coalesce(length(${alias}), 0)::INTEGER`
      : type === 'timestamp' ? `coalesce(epoch_us(${alias}), 0)`
        : type === 'boolean' ? `coalesce(${alias}::UTINYINT, 0)`
          : type === 'float' ? `coalesce(${alias}, 0)` : `coalesce(${alias}, 0)`;
    return `${value}, (${alias} IS NULL)::UTINYINT`;
  });
  const values = wanted.map(({ type }) => (type === 'integer' ? new BigInt64Array(n) : type === 'string' ? new Int32Array(n) : type === 'boolean' ? new Uint8Array(n) : new Float64Array(n)));
  const nulls = wanted.map(() => new Uint8Array(n));
  const anyNull = wanted.map(() => false);
  await forEachChunk(db.connection, `SELECT ${select.join(', ')} FROM unit ORDER BY reef_row`, (chunk, start) => {
    wanted.forEach(({ type }, w) => {
      const v = chunk.getColumnVector(2 * w);
      const isNull = chunk.getColumnVector(2 * w + 1);
      const out = values[w]!;
      const mask = nulls[w]!;
      for (let i = 0; i < chunk.rowCount; i++) {
        const flag = isNull.getItem(i) as number;
        mask[start + i] = flag;
        if (flag) anyNull[w] = true;
      }
      if (type === 'integer' || type === 'timestamp') {
        const target = out as BigInt64Array | Float64Array;
        if (target instanceof BigInt64Array) for (let i = 0; i < chunk.rowCount; i++) target[start + i] = v.getItem(i) as bigint;
        else for (let i = 0; i < chunk.rowCount; i++) target[start + i] = Number(v.getItem(i) as bigint);
      } else {
        const target = out as Float64Array | Int32Array | Uint8Array;
        for (let i = 0; i < chunk.rowCount; i++) target[start + i] = v.getItem(i) as number;
      }
    });
  });
  for (const [w, column] of wanted.entries()) {
    const mask = anyNull[w] ? nulls[w]! : null;
    if (column.type === 'integer') columns[column.name] = integerColumn(values[w] as BigInt64Array, mask);
    else if (column.type === 'float' || column.type === 'timestamp') columns[column.name] = { type: column.type, values: values[w] as Float64Array, nulls: mask };
    else if (column.type === 'boolean') columns[column.name] = { type: 'boolean', values: values[w] as Uint8Array, nulls: mask };
    else columns[column.name] = await stringColumn(db, column.alias, values[w] as Int32Array, mask, n);
  }
  return { length: n, columns };
}

/** Float64Array when every value is a safe integer, as column-batch.ts does. */
function integerColumn(values: BigInt64Array, nulls: Uint8Array | null): BatchColumn {
  const limit = 2n ** 53n - 1n;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > limit || values[i]! < -limit) return { type: 'integer', values, nulls };
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
  return { type: 'integer', values: out, nulls };
}

/**
 * Text moves as a few large strings (string_agg per block) instead of one string per row, which is what makes
 * the transfer fast. Offsets come from DuckDB's code-point lengths; they equal UTF-16 lengths unless the text
 * holds characters beyond U+FFFF, in which case the rows are walked once.
 */
async function stringColumn(db: UnitDb, alias: string, codePoints: Int32Array, nulls: Uint8Array | null, n: number): Promise<StringColumn> {
  const blocks: string[] = [];
  await forEachChunk(db.connection,
    `SELECT string_agg(coalesce(${alias}, ''), chr(10) ORDER BY reef_row) FROM unit GROUP BY reef_row // ${TEXT_BLOCK} ORDER BY reef_row // ${TEXT_BLOCK}`,
    (chunk) => {
      const v = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) blocks.push(v.getItem(i) as string);
    });
  const text = blocks.join('\n');
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
  /** predicted_label per row (-1 where a tie abstains). */
  labels: Int32Array;
  /** n×k row-major, for softmax output. */
  probs?: Float64Array;
  confidence?: Float64Array;
  k: number;
}

const CHUNK_ROWS = 2048;

/**
 * Writes the unit's results as one Parquet file (DESIGN.md "Results" columns): the index key, predicted_label,
 * and for softmax prob_class_0..k-1 and confidence. The key is re-read from the pinned index slice and joined on
 * the row number, so the results carry the key's own type.
 */
export async function writeResultsParquet(db: UnitDb, indexPath: string, index: PinnedAsset, unit: TrainUnit, p: UnitPredictions, outPath: string) {
  const { connection } = db;
  const n = p.labels.length;
  const softmax = p.probs !== undefined;
  const probColumns = softmax ? Array.from({ length: p.k }, (_, y) => `prob_class_${y}`) : [];
  const columnTypes: DuckDBType[] = [INTEGER, INTEGER, ...probColumns.map(() => DOUBLE), ...(softmax ? [DOUBLE] : [])];
  await connection.run(`CREATE OR REPLACE TEMP TABLE preds (reef_row INTEGER, predicted_label INTEGER${probColumns.map((c) => `, ${c} DOUBLE`).join('')}${softmax ? ', confidence DOUBLE' : ''})`);
  const appender = await connection.createAppender('preds');
  const chunk = DuckDBDataChunk.create(columnTypes);
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - start);
    chunk.reset();
    chunk.rowCount = rows;
    const vectors = columnTypes.map((_, c) => chunk.getColumnVector(c));
    const [rowVector, labelVector] = vectors;
    for (let i = 0; i < rows; i++) {
      rowVector!.setItem(i, start + i);
      const label = p.labels[start + i]!;
      labelVector!.setItem(i, label);
    }
    if (softmax) {
      for (let y = 0; y < p.k; y++) {
        const v = vectors[2 + y]!;
        for (let i = 0; i < rows; i++) v.setItem(i, p.probs![(start + i) * p.k + y]!);
      }
      const v = vectors[2 + p.k]!;
      for (let i = 0; i < rows; i++) v.setItem(i, p.confidence![start + i]!);
    }
    for (const v of vectors) v.flush();
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  const key = quoteIdent(index.key_column);
  const outputs = ['predicted_label', ...probColumns, ...(softmax ? ['confidence'] : [])].map((c) => `p.${c}`).join(', ');
  await connection.run(`COPY (SELECT i.${key}, ${outputs} FROM ${indexSlice(indexPath, unit, key)} i JOIN preds p USING (reef_row) ORDER BY reef_row)
    TO ${sqlPath(outPath)} (FORMAT parquet, COMPRESSION snappy)`);
}
