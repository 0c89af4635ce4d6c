// Fetching a materialized asset version's Parquet parts and decoding them into batch columns. Nothing is kept here:
// the decoded columns are (batch-cache.ts), so a reload needs neither these bytes nor their decoding. The parts'
// responses are immutable (by version), so the HTTP cache may still answer a repeated fetch.
import type { Table } from 'apache-arrow';
import initParquetWasm, { readParquet, wasmMemory } from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { fetchAssetVersion, type AssetVersionParts } from '../api/assets.ts';
import { request } from '../api/request.ts';
import { columnsFromArrow } from './arrow-columns.ts';
import type { DecodedAsset } from './asset-table.ts';
import { arrowFromParquet } from './parquet-arrow.ts';
import type { AssetRef } from './studio-data-protocol.ts';

let parquetReady: Promise<unknown> | undefined;

/** Starts compiling the Parquet decoder (parquet-arrow.ts), so it is ready by the time bytes arrive. */
export function prepareParquet(): Promise<unknown> {
  parquetReady ??= initParquetWasm({ module_or_path: new URL(parquetWasmUrl, self.location.href) });
  return parquetReady;
}

/** Milliseconds spent downloading bytes, decoding Parquet, and building batch columns. */
export interface LoadPhases { bytes: number; parquet: number; columns: number }

export interface FetchedAsset { ref: AssetRef; parts: ArrayBuffer[] }

/** The version's Parquet parts as bytes. */
export async function fetchAsset(ref: AssetRef, token: string): Promise<FetchedAsset> {
  void prepareParquet();
  const { parts } = await (await fetchAssetVersion(ref.versionId, token)).json() as AssetVersionParts;
  return { ref, parts: await Promise.all(parts.map(async (part) => (await request(part.url, { token })).arrayBuffer())) };
}

/** Decodes a fetched asset into batch columns (synchronous work: call once the bytes of every asset are in). */
export async function decodeAsset(fetched: FetchedAsset, phases: LoadPhases): Promise<DecodedAsset> {
  let t = performance.now();
  const tables: Table[] = [];
  await prepareParquet();
  for (const bytes of fetched.parts) tables.push(arrowFromParquet({ readParquet, wasmMemory }, new Uint8Array(bytes)));
  phases.parquet += performance.now() - t;
  t = performance.now();
  const { n, columns } = columnsFromArrow(tables);
  phases.columns += performance.now() - t;
  return { name: fetched.ref.name, keyColumn: fetched.ref.keyColumn, n, columns };
}
