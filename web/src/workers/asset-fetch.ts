// Fetching a materialized asset version's Parquet parts, once per version: versions are immutable, so the
// Cache API keeps them by URL (which names the version) and a reload decodes from the cache, not the network.
import { tableFromIPC, type Table } from 'apache-arrow';
import initParquetWasm, { readParquet } from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { columnsFromArrow } from './arrow-columns.ts';
import type { DecodedAsset } from './asset-table.ts';

const CACHE_NAME = 'reef-assets-v1';

export interface AssetRef { name: string; versionId: string; keyColumn: string }
interface VersionInfo { parts: { url: string }[] }

async function fetchOk(url: string, token: string): Promise<Response> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) {
    const body = await res.json().catch(() => undefined) as { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? `${url}: HTTP ${res.status}`);
  }
  return res;
}

/** The part's bytes from the cache, or from the API (then cached). Reports whether the network was used. */
async function partBytes(url: string, token: string): Promise<{ bytes: ArrayBuffer; fromCache: boolean }> {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(url);
  if (hit) return { bytes: await hit.arrayBuffer(), fromCache: true };
  const res = await fetchOk(url, token);
  const bytes = await res.arrayBuffer();
  await cache.put(url, new Response(bytes, { headers: { 'Content-Type': 'application/vnd.apache.parquet' } }));
  return { bytes, fromCache: false };
}

let parquetReady: Promise<unknown> | undefined;

/** Parquet → Arrow in WebAssembly (parquet-wasm): several times faster than decoding in JS. */
async function decodeParquet(bytes: ArrayBuffer): Promise<Table> {
  parquetReady ??= initParquetWasm({ module_or_path: new URL(parquetWasmUrl, self.location.href) });
  await parquetReady;
  // One record batch per row group instead of parquet-wasm's default 1,024 rows: ~1,000 tiny batches per
  // million rows made decoding twice as slow and every column a thousand pieces.
  return tableFromIPC(readParquet(new Uint8Array(bytes), { batchSize: 1 << 20 }).intoIPCStream());
}

/** Milliseconds spent reading bytes (network or cache), decoding Parquet, and building batch columns. */
export interface LoadPhases { bytes: number; parquet: number; columns: number }

export async function loadAsset(ref: AssetRef, token: string): Promise<DecodedAsset & { fromCache: boolean; phases: LoadPhases }> {
  const phases: LoadPhases = { bytes: 0, parquet: 0, columns: 0 };
  let t = performance.now();
  const lap = (phase: keyof LoadPhases) => {
    const now = performance.now();
    phases[phase] += now - t;
    t = now;
  };
  const versionUrl = `/api/assets/${encodeURIComponent(ref.versionId)}`;
  const cache = await caches.open(CACHE_NAME);
  // The version's part list is immutable too: cached with the parts, so a cached load makes no request at all.
  let info = await cache.match(versionUrl);
  if (!info) {
    info = await fetchOk(versionUrl, token);
    await cache.put(versionUrl, info.clone());
  }
  const { parts } = await info.json() as VersionInfo;
  let fromCache = true;
  const tables: Table[] = [];
  for (const part of parts) {
    const { bytes, fromCache: hit } = await partBytes(part.url, token);
    fromCache &&= hit;
    lap('bytes');
    tables.push(await decodeParquet(bytes));
    lap('parquet');
  }
  const { n, columns } = columnsFromArrow(tables);
  lap('columns');
  return { name: ref.name, keyColumn: ref.keyColumn, n, columns, fromCache, phases };
}
