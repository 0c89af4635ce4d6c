// Fetching a materialized asset version's Parquet parts, once per version: versions are immutable, so the
// Cache API keeps them by URL (which names the version) and a reload decodes from the cache, not the network.
import { tableFromIPC, type Table } from 'apache-arrow';
import initParquetWasm, { readParquet } from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { fetchAssetVersion, assetVersionPath, type AssetVersionParts } from '../api/assets.ts';
import { request } from '../api/request.ts';
import { columnsFromArrow } from './arrow-columns.ts';
import type { DecodedAsset } from './asset-table.ts';
import type { AssetRef } from './studio-data-protocol.ts';

const CACHE_NAME = 'reef-assets-v1';

/** The part's bytes from the cache, or from the API (then cached). Reports whether the network was used. */
async function partBytes(url: string, token: string): Promise<{ bytes: ArrayBuffer; fromCache: boolean }> {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(url);
  if (hit) return { bytes: await hit.arrayBuffer(), fromCache: true };
  const res = await request(url, { token });
  const bytes = await res.arrayBuffer();
  await cache.put(url, new Response(bytes, { headers: { 'Content-Type': 'application/vnd.apache.parquet' } }));
  return { bytes, fromCache: false };
}

let parquetReady: Promise<unknown> | undefined;

/** Parquet → Arrow in WebAssembly (parquet-wasm): several times faster than decoding in JS. */
async function decodeParquet(bytes: ArrayBuffer): Promise<Table> {
  await parquetReady;
  // One record batch per row group instead of parquet-wasm's default 1,024 rows: ~1,000 tiny batches per
  // million rows made decoding twice as slow and every column a thousand pieces.
  return tableFromIPC(readParquet(new Uint8Array(bytes), { batchSize: 1 << 20 }).intoIPCStream());
}

/** Milliseconds spent reading bytes (network or cache), decoding Parquet, and building batch columns. */
export interface LoadPhases { bytes: number; parquet: number; columns: number }

export interface FetchedAsset { ref: AssetRef; parts: ArrayBuffer[]; fromCache: boolean }

/** The version's Parquet parts as bytes, from the Cache API or the network (then cached). */
export async function fetchAsset(ref: AssetRef, token: string): Promise<FetchedAsset> {
  // The Parquet decoder compiles while the bytes download.
  parquetReady ??= initParquetWasm({ module_or_path: new URL(parquetWasmUrl, self.location.href) });
  const versionUrl = assetVersionPath(ref.versionId);
  const cache = await caches.open(CACHE_NAME);
  // The version's part list is immutable too: cached with the parts, so a cached load makes no request at all.
  let info = await cache.match(versionUrl);
  if (!info) {
    info = await fetchAssetVersion(ref.versionId, token);
    await cache.put(versionUrl, info.clone());
  }
  const { parts } = await info.json() as AssetVersionParts;
  const fetched = await Promise.all(parts.map((part) => partBytes(part.url, token)));
  return { ref, parts: fetched.map((f) => f.bytes), fromCache: fetched.every((f) => f.fromCache) };
}

/** Decodes a fetched asset into batch columns (synchronous work: call once the bytes of every asset are in). */
export async function decodeAsset(fetched: FetchedAsset, phases: LoadPhases): Promise<DecodedAsset> {
  let t = performance.now();
  const tables: Table[] = [];
  for (const bytes of fetched.parts) tables.push(await decodeParquet(bytes));
  phases.parquet += performance.now() - t;
  t = performance.now();
  const { n, columns } = columnsFromArrow(tables);
  phases.columns += performance.now() - t;
  return { name: fetched.ref.name, keyColumn: fetched.ref.keyColumn, n, columns };
}
