// Fetching a materialized asset version's Parquet parts, once per version: versions are immutable, so the
// Cache API keeps them by URL (which names the version) and a reload decodes from the cache, not the network.
import { tableFromIPC } from 'apache-arrow';
import initParquetWasm, { readParquet } from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { columnsFromArrow, type ArrowColumns } from './arrow-columns.ts';
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

/** Parquet → Arrow in WebAssembly (parquet-wasm), then plain columns: several times faster than decoding in JS. */
async function decodeParquet(bytes: ArrayBuffer): Promise<ArrowColumns> {
  parquetReady ??= initParquetWasm({ module_or_path: new URL(parquetWasmUrl, self.location.href) });
  await parquetReady;
  return columnsFromArrow(tableFromIPC(readParquet(new Uint8Array(bytes)).intoIPCStream()));
}

export async function loadAsset(ref: AssetRef, token: string): Promise<DecodedAsset & { fromCache: boolean }> {
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
  const decodedParts: ArrowColumns[] = [];
  for (const part of parts) {
    const { bytes, fromCache: hit } = await partBytes(part.url, token);
    fromCache &&= hit;
    decodedParts.push(await decodeParquet(bytes));
  }
  const n = decodedParts.reduce((sum, p) => sum + p.n, 0);
  const names = [...new Set(decodedParts.flatMap((p) => Object.keys(p.columns)))];
  const columns = Object.fromEntries(names.map((name) => [name, decodedParts.length === 1
    ? decodedParts[0]!.columns[name]!
    : ([] as unknown[]).concat(...decodedParts.map((p) => p.columns[name] ?? new Array<unknown>(p.n).fill(null)))]));
  return { name: ref.name, keyColumn: ref.keyColumn, n, columns, types: decodedParts[0]?.types ?? {}, fromCache };
}
