// The object store holds asset and result Parquet (DESIGN.md, Contracts). One interface, one file per backend:
// `local.ts` (a folder, the embedded default) and `s3.ts` (any S3-compatible store). Both pass the same behaviour
// suite (`store-suite.ts`), so code above this layer never asks which one it has.
import type { Readable } from 'node:stream';

/** A byte range of an object: `length` bytes from `offset` (to the end when length is omitted). */
export type ByteRange = { offset: number; length?: number };

export type ObjectInfo = { key: string; size: number; lastModified: Date };

export type PutBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

export interface ObjectStore {
  /** 'local' or 's3': for messages and for choosing how DuckDB reaches an object. */
  readonly kind: 'local' | 's3';
  /** Writes an object whole: readers see the previous object (or none) until the write has completed. */
  put(key: string, body: PutBody, options?: { contentType?: string }): Promise<{ bytes: number }>;
  /** Streams an object, or part of it; rejects with code OBJECT_NOT_FOUND when there is none. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Reads an object, or part of it, into memory; for small objects and ranges. */
  getBytes(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Size and modification time, or null when there is no such object. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes one object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under `prefix` and returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  /** A URL a browser can GET (with Range) for `expiresInSeconds`, when the backend can sign one; local returns null. */
  presignGet(key: string, expiresInSeconds: number): Promise<string | null>;
}

/** An object's bytes, or a range of them, in memory: for small objects and ranges. */
export async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export type ObjectStoreErrorCode = 'OBJECT_NOT_FOUND' | 'OBJECT_KEY_INVALID' | 'OBJECT_STORE_UNAVAILABLE';

export class ObjectStoreError extends Error {
  readonly code: ObjectStoreErrorCode;
  constructor(code: ObjectStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ObjectStoreError';
    this.code = code;
  }
}

/** Keys are relative, '/'-separated paths; refusing '..' and absolute keys keeps the local store inside its folder. */
export function assertValidKey(key: string): void {
  const invalid =
    key === '' ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((part) => part === '..' || part === '.' || part === '');
  if (invalid) {
    throw new ObjectStoreError(
      'OBJECT_KEY_INVALID',
      `Object key "${key}" is not valid: use a relative path of non-empty '/'-separated parts without '.' or '..'.`,
    );
  }
}

export function notFound(key: string, where: string): ObjectStoreError {
  return new ObjectStoreError('OBJECT_NOT_FOUND', `No object "${key}" in ${where}; it may not be materialized yet.`);
}
