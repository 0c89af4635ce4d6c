// Fetching a materialized asset version's Parquet parts, once per version: versions are immutable, so the
// Cache API keeps them by URL (which names the version) and a reload decodes from the cache, not the network.
import { parquetRead } from 'hyparquet';
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

/** Decodes one Parquet file column by column (hyparquet's chunks), without building row objects. */
async function decodeParquet(bytes: ArrayBuffer): Promise<{ n: number; columns: Record<string, unknown[]> }> {
  const columns: Record<string, unknown[]> = {};
  let n = 0;
  await parquetRead({
    file: bytes,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const target = (columns[columnName] ??= []);
      for (let i = 0; i < columnData.length; i++) target[rowStart + i] = columnData[i];
      n = Math.max(n, rowStart + columnData.length);
    },
  });
  return { n, columns };
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
  const columns: Record<string, unknown[]> = {};
  let n = 0;
  for (const part of parts) {
    const { bytes, fromCache: hit } = await partBytes(part.url, token);
    fromCache &&= hit;
    const decoded = await decodeParquet(bytes);
    for (const [name, values] of Object.entries(decoded.columns)) {
      const target = (columns[name] ??= new Array(n).fill(null));
      for (let i = 0; i < decoded.n; i++) target.push(values[i] ?? null);
    }
    n += decoded.n;
  }
  return { name: ref.name, keyColumn: ref.keyColumn, n, columns, fromCache };
}
