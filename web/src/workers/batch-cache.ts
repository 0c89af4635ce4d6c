// Decoded assets kept in the origin-private file system (OPFS) as their batch columns, one file per asset version.
// Versions are immutable and a new materialization is a new version id, so a file never goes stale: a new version
// simply has no file yet. A reload reads the file into one buffer through a synchronous access handle (no copy
// through the browser process, as the Cache API makes) and views its typed arrays in place; only the text is decoded
// (one TextDecoder call per column), instead of downloading and decoding Parquet and building the columns.
import type { BatchColumn } from '../../../shared/lf/column-batch.ts';
import type { DecodedAsset } from './asset-table.ts';
import type { AssetRef } from './studio-data-protocol.ts';

/** Bumped whenever the layout below changes: the file names carry it, so a file of another layout is never read. */
const FORMAT = 2;
const FOLDER = 'reef-batches';
/** The Cache API stores of earlier releases (Parquet bytes, then batches): this folder replaces both. */
const LEGACY_CACHES = ['reef-assets-v1', 'reef-batches-v1'];

type ArrayKind = 'f64' | 'i64' | 'u8' | 'i32' | 'utf8';
interface Slice { kind: ArrayKind; at: number; length: number }
interface ColumnEntry { name: string; type: BatchColumn['type']; values: Slice; nulls?: Slice; offsets?: Slice; hasNewline?: boolean }
/** `bytes` is the whole file's length: a file of any other length is not one this code wrote whole. */
interface Header { n: number; bytes: number; columns: ColumnEntry[] }

const ARRAYS = { f64: Float64Array, i64: BigInt64Array, u8: Uint8Array, i32: Int32Array, utf8: Uint8Array } as const;

/** The parts of OPFS's folder and file handles the cache uses (its test gives an in-memory folder). */
export interface BatchFolder {
  getFileHandle(name: string, options?: { create?: boolean }): Promise<BatchFile>;
  removeEntry(name: string): Promise<void>;
  keys(): AsyncIterable<string>;
}
export interface BatchFile {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
  move(folder: BatchFolder, name: string): Promise<void>;
}
interface SyncAccessHandle {
  getSize(): number;
  read(into: Uint8Array, options: { at: number }): number;
  write(from: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** Files are named by asset then version, so storing a version can find and remove the asset's older ones. */
const fileName = (ref: Pick<AssetRef, 'assetId' | 'versionId'>) => `${ref.assetId}.${ref.versionId}.v${FORMAT}.batch`;

/**
 * The file's pieces in order: a 4-byte header length, the JSON header, then every array at an 8-byte aligned offset
 * (so it can be viewed in place when read back). Text is stored as UTF-8.
 */
export function batchChunks(asset: DecodedAsset): Uint8Array[] {
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
  // The header's length depends on the total it states: grow the stated total until the two agree.
  let bytes = at;
  let header: Uint8Array;
  for (;;) {
    header = new TextEncoder().encode(JSON.stringify({ n: asset.n, bytes, columns } satisfies Header));
    const total = headerEnd(header.length) + at;
    if (total === bytes) break;
    bytes = total;
  }
  const lead = new Uint8Array(headerEnd(header.length));
  new DataView(lead.buffer).setUint32(0, header.length, true);
  lead.set(header, 4);
  return [lead, ...chunks];
}

const headerEnd = (headerLength: number) => 4 + headerLength + ((8 - ((4 + headerLength) % 8)) % 8);

/** The chunks in one buffer (what a file read gives back). */
export function batchToBuffer(asset: DecodedAsset): ArrayBuffer {
  const chunks = batchChunks(asset);
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}

/** The asset from a buffer batchChunks wrote; undefined when the buffer is not one whole such file. */
export function batchFromBuffer(buffer: ArrayBuffer, name: string, keyColumn: string): DecodedAsset | undefined {
  if (buffer.byteLength < 4) return undefined;
  const headerLength = new DataView(buffer).getUint32(0, true);
  if (4 + headerLength > buffer.byteLength) return undefined;
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength))) as Header;
  } catch {
    return undefined;
  }
  if (header.bytes !== buffer.byteLength) return undefined;
  const start = headerEnd(headerLength);
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

/** OPFS's folder for batches (created on first use). */
export async function batchFolder(): Promise<BatchFolder> {
  const root = await navigator.storage.getDirectory();
  return await root.getDirectoryHandle(FOLDER, { create: true }) as unknown as BatchFolder;
}

/** The version's batch columns as storeBatch wrote them, or undefined if this version was never stored whole here. */
export async function cachedBatch(ref: AssetRef, folder: BatchFolder): Promise<DecodedAsset | undefined> {
  let file: BatchFile;
  try {
    file = await folder.getFileHandle(fileName(ref));
  } catch {
    return undefined; // NotFoundError: not stored (yet)
  }
  const handle = await file.createSyncAccessHandle();
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(handle.getSize());
    if (handle.read(new Uint8Array(buffer), { at: 0 }) !== buffer.byteLength) return undefined;
  } finally {
    handle.close();
  }
  const asset = batchFromBuffer(buffer, ref.name, ref.keyColumn);
  if (!asset) await folder.removeEntry(fileName(ref)).catch(() => undefined);
  return asset;
}

/**
 * Writes the version's batch under a temporary name, then renames it: a reader (a reload, another tab) finds the
 * whole file or none. Then removes the asset's other versions and files of other layouts, which no load reads again.
 */
export async function storeBatch(ref: AssetRef, asset: DecodedAsset, folder: BatchFolder): Promise<void> {
  const name = fileName(ref);
  const tempName = `${name}.${crypto.randomUUID()}.tmp`;
  const temp = await folder.getFileHandle(tempName, { create: true });
  try {
    const handle = await temp.createSyncAccessHandle();
    try {
      let at = 0;
      for (const chunk of batchChunks(asset)) at += handle.write(chunk, { at });
      handle.flush();
    } finally {
      handle.close();
    }
    await temp.move(folder, name);
  } catch (e) {
    await folder.removeEntry(tempName).catch(() => undefined);
    throw e;
  }
  const stale: string[] = [];
  for await (const entry of folder.keys()) {
    // Another version of this asset (or another tab's unfinished write of one, whose rename then fails harmlessly).
    const otherVersion = entry.startsWith(`${ref.assetId}.`) && entry !== name;
    if (otherVersion || !entry.includes(`.v${FORMAT}.batch`)) stale.push(entry);
  }
  await Promise.all(stale.map((entry) => folder.removeEntry(entry).catch(() => undefined)));
  if (typeof caches !== 'undefined') await Promise.all(LEGACY_CACHES.map((c) => caches.delete(c)));
}
