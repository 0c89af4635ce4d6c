import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { columnValues } from '../../../shared/lf/column-batch.ts';
import { columnsFromArrow } from './arrow-columns.ts';
import { arrowFromParquet, type ParquetWasm } from './parquet-arrow.ts';

// parquet-wasm's Node build: the same decoder as the worker's browser build.
const parquetWasm = createRequire(import.meta.url)('parquet-wasm') as ParquetWasm;
/** The earlier path: an Arrow IPC stream out of WebAssembly, parsed by Arrow JS. */
const viaIpcStream = (bytes: Uint8Array) => tableFromIPC((parquetWasm.readParquet(bytes, { batchSize: 1 << 20 }) as unknown as { intoIPCStream(): Uint8Array }).intoIPCStream());

/** A Parquet file from DuckDB (as materialization writes them) with every column kind, nulls, and several row groups. */
async function sampleParquet(rows: number): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'reef-parquet-arrow-'));
  try {
    const db = await DuckDBInstance.create();
    const c = await db.connect();
    await c.run(`COPY (SELECT i AS id, CASE WHEN i % 3 = 0 THEN 9007199254740993 + i END AS big, (i % 7)::INTEGER AS small,
        CASE WHEN i % 5 = 0 THEN NULL ELSE i / 4 END AS score, i % 2 = 0 AS flag,
        TIMESTAMP '2024-03-05 06:07:08.009' + INTERVAL (i) SECOND AS at, DATE '2024-01-01' + (i % 40)::INTEGER AS day,
        CASE WHEN i % 11 = 0 THEN NULL WHEN i % 4 = 0 THEN 'naïve 🦆 ' || i WHEN i % 4 = 1 THEN 'line' || chr(10) || 'break' ELSE 'row ' || i END AS text,
        ['spam', 'ham', 'café'][1 + i % 3] AS repeated
      FROM range(${rows}) t(i)) TO '${join(dir, 'p.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
    c.closeSync();
    return new Uint8Array(readFileSync(join(dir, 'p.parquet')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('arrowFromParquet', () => {
  it('gives the same batch columns as decoding through an Arrow IPC stream, for every column kind', async () => {
    const bytes = await sampleParquet(3500);
    const viaFfi = columnsFromArrow([arrowFromParquet(parquetWasm, bytes)]);
    const viaIpc = columnsFromArrow([viaIpcStream(bytes)]);
    expect(viaFfi.n).toBe(3500);
    expect(viaFfi).toEqual(viaIpc);
    const { columns } = viaFfi;
    expect(Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, c.type]))).toEqual({
      id: 'integer', big: 'integer', small: 'integer', score: 'float', flag: 'boolean', at: 'timestamp', day: 'timestamp', text: 'string', repeated: 'string',
    });
    expect(columnValues(columns.big!).slice(0, 4)).toEqual([9007199254740993n, null, null, 9007199254740996n]);
    expect(columnValues(columns.text!).slice(0, 5)).toEqual([null, 'line\nbreak', 'row 2', 'row 3', 'naïve 🦆 4']);
    expect(columnValues(columns.repeated!).slice(0, 4)).toEqual(['spam', 'ham', 'café', 'spam']);
    expect(columnValues(columns.score!).slice(0, 6)).toEqual([null, 0.25, 0.5, 0.75, 1, null]);
  });

  it('decodes one file after another in the same WebAssembly memory (a larger one grows it)', async () => {
    const small = await sampleParquet(10);
    const large = await sampleParquet(50_000);
    expect(columnsFromArrow([arrowFromParquet(parquetWasm, small)]).n).toBe(10);
    const { columns } = columnsFromArrow([arrowFromParquet(parquetWasm, large)]);
    expect(columnValues(columns.id!).at(-1)).toBe(49_999);
    expect(columnValues(columns.text!).at(-1)).toBe('row 49999');
    expect(columnsFromArrow([arrowFromParquet(parquetWasm, small)])).toEqual(columnsFromArrow([arrowFromParquet(parquetWasm, small)]));
  });
});
