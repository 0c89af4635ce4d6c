// Decoded assets kept in the Cache API as their batch columns, by version (versions are immutable). A reload then
// reads one buffer and views its typed arrays in place; only the text is decoded (one TextDecoder call per column),
// instead of decoding Parquet and building the columns again.
import type { BatchColumn } from '../../../shared/lf/column-batch.ts';
import type { DecodedAsset } from './asset-table.ts';

const CACHE_NAME = 'reef-batches-v1';
const cacheUrl = (versionId: string) => `/reef-batch/${encodeURIComponent(versionId)}`;

type ArrayKind = 'f64' | 'i64' | 'u8' | 'i32' | 'utf8';
interface Slice { kind: ArrayKind; at: number; length: number }
interface ColumnEntry { name: string; type: BatchColumn['type']; values: Slice; nulls?: Slice; offsets?: Slice; hasNewline?: boolean }
interface Header { n: number; columns: ColumnEntry[] }

const ARRAYS = { f64: Float64Array, i64: BigInt64Array, u8: Uint8Array, i32: Int32Array, utf8: Uint8Array } as const;

/** One buffer: a 4-byte header length, the JSON header, then every array at an 8-byte aligned offset. */
export function batchToBuffer(asset: DecodedAsset): ArrayBuffer {
  const chunks: Uint8Array[] = [];
  let at = 0;
  const place = (kind: ArrayKind, array: ArrayBufferView & { length: number }): Slice => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    const slice = { kind, at, length: array.length };
    chunks.push(bytes);
    at += bytes.byteLength;
    const pad = (8 - (at % 8)) % 8;
    if (pad) chunks.push(new Uint8Array(pad));
    at += pad;
    return slice;
  };
  const columns: ColumnEntry[] = Object.entries(asset.columns).map(([name, c]) => {
    const nulls = c.nulls ? place('u8', c.nulls) : undefined;
    if (c.type === 'string') {
      return { name, type: c.type, values: place('utf8', new TextEncoder().encode(c.text)), offsets: place('i32', c.offsets), nulls, hasNewline: c.hasNewline };
    }
    const kind: ArrayKind = c.values instanceof Float64Array ? 'f64' : c.values instanceof BigInt64Array ? 'i64' : 'u8';
    return { name, type: c.type, values: place(kind, c.values), nulls };
  });
  const header = new TextEncoder().encode(JSON.stringify({ n: asset.n, columns } satisfies Header));
  const start = 4 + header.length + ((8 - ((4 + header.length) % 8)) % 8);
  const out = new Uint8Array(start + at);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let pos = start;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.byteLength;
  }
  return out.buffer;
}

export function batchFromBuffer(buffer: ArrayBuffer, name: string, keyColumn: string): DecodedAsset {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength))) as Header;
  const start = 4 + headerLength + ((8 - ((4 + headerLength) % 8)) % 8);
  const view = (s: Slice) => new ARRAYS[s.kind](buffer, start + s.at, s.length);
  const columns: Record<string, BatchColumn> = {};
  for (const c of header.columns) {
    const nulls = c.nulls ? view(c.nulls) as Uint8Array : null;
    columns[c.name] = c.type === 'string'
      ? { type: 'string', text: new TextDecoder().decode(view(c.values)), offsets: view(c.offsets!) as Int32Array, nulls, hasNewline: c.hasNewline ?? true }
      : { type: c.type, values: view(c.values), nulls } as BatchColumn;
  }
  return { name, keyColumn, n: header.n, columns };
}

/** The asset's batch columns as stored by storeBatch, or undefined if this version was never stored here. */
export async function cachedBatch(versionId: string, name: string, keyColumn: string): Promise<DecodedAsset | undefined> {
  const hit = await (await caches.open(CACHE_NAME)).match(cacheUrl(versionId));
  return hit ? batchFromBuffer(await hit.arrayBuffer(), name, keyColumn) : undefined;
}

export async function storeBatch(versionId: string, asset: DecodedAsset): Promise<void> {
  const cache = await caches.open(CACHE_NAME);
  await cache.put(cacheUrl(versionId), new Response(batchToBuffer(asset), { headers: { 'Content-Type': 'application/octet-stream' } }));
}
