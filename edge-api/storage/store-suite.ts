// One behaviour suite for every ObjectStore backend (STYLE.md: one suite, many backends).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from './index.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Deterministic pseudo-random bytes, so a mangled or reordered part changes the checksum. */
function patternBytes(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

async function* chunked(bytes: Uint8Array, chunkSize: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}

async function* failingAfter(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
  throw new Error('source failed mid-stream');
}

export function describeObjectStore(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`ObjectStore behaviour: ${name}`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('puts bytes and strings and reads them back with their size', async () => {
      expect(await store.put('a/one.bin', new Uint8Array([1, 2, 3, 250]))).toEqual({ bytes: 4 });
      expect(await store.put('a/two.txt', 'héllo')).toEqual({ bytes: 6 });
      expect([...(await store.getBytes('a/one.bin'))]).toEqual([1, 2, 3, 250]);
      expect(text(await store.getBytes('a/two.txt'))).toBe('héllo');
      expect((await store.head('a/two.txt'))?.size).toBe(6);
      expect(await store.put('a/empty', new Uint8Array())).toEqual({ bytes: 0 });
      expect((await store.getBytes('a/empty')).length).toBe(0);
    });

    it('streams a large body in and out unchanged (multipart on S3)', async () => {
      const bytes = patternBytes(13 * 1024 * 1024 + 17, 7);
      const { bytes: written } = await store.put('big/data.parquet', Readable.from(chunked(bytes, 64 * 1024)));
      expect(written).toBe(bytes.length);
      expect((await store.head('big/data.parquet'))?.size).toBe(bytes.length);
      const hash = createHash('sha256');
      for await (const chunk of await store.get('big/data.parquet')) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(sha256(bytes));
    });

    it('reads byte ranges', async () => {
      await store.put('r/x', '0123456789');
      expect(text(await store.getBytes('r/x', { offset: 2, length: 3 }))).toBe('234');
      expect(text(await store.getBytes('r/x', { offset: 7 }))).toBe('789');
      expect(text(await store.getBytes('r/x', { offset: 0, length: 1 }))).toBe('0');
      expect(text(await store.getBytes('r/x', { offset: 5, length: 0 }))).toBe('');
      // The tail of a Parquet file (footer length + magic) is how readers start.
      expect(text(await store.getBytes('r/x', { offset: 6, length: 4 }))).toBe('6789');
    });

    it('reports a missing object as OBJECT_NOT_FOUND on get and null on head', async () => {
      await expect(store.get('nope/missing.parquet')).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
      await expect(store.getBytes('nope/missing.parquet', { offset: 0, length: 4 })).rejects.toMatchObject({
        code: 'OBJECT_NOT_FOUND',
      });
      expect(await store.head('nope/missing.parquet')).toBeNull();
    });

    it('lists by prefix in key order, without neighbours that share a name start', async () => {
      await store.put('assets/c1/indexes/i1/v2/part-1.parquet', 'b');
      await store.put('assets/c1/indexes/i1/v2/part-0.parquet', 'aa');
      await store.put('assets/c1/indexes/i1/v10/part-0.parquet', 'c');
      await store.put('assets/c1/indexes/i12/v1/part-0.parquet', 'd');
      const listed = await store.list('assets/c1/indexes/i1/');
      expect(listed.map((o) => [o.key, o.size])).toEqual([
        ['assets/c1/indexes/i1/v10/part-0.parquet', 1],
        ['assets/c1/indexes/i1/v2/part-0.parquet', 2],
        ['assets/c1/indexes/i1/v2/part-1.parquet', 1],
      ]);
      expect((await store.list('assets/c1/indexes/i1')).length).toBe(4);
      expect(await store.list('assets/c9/')).toEqual([]);
    });

    it('deletes one object and whole prefixes, leaving others', async () => {
      await store.put('d/v1/part-0', 'x');
      await store.put('d/v1/part-1', 'y');
      await store.put('d/v2/part-0', 'z');
      await store.delete('d/v2/part-0');
      await store.delete('d/v2/part-0');
      expect(await store.head('d/v2/part-0')).toBeNull();
      expect(await store.deletePrefix('d/v1/')).toBe(2);
      expect(await store.list('d/')).toEqual([]);
      expect(await store.deletePrefix('d/v1/')).toBe(0);
    });

    it('overwrites, and a put that fails mid-stream leaves the previous object whole', async () => {
      await store.put('o/part-0.parquet', 'version one');
      await store.put('o/part-0.parquet', 'version two');
      expect(text(await store.getBytes('o/part-0.parquet'))).toBe('version two');
      const partial = patternBytes(6 * 1024 * 1024, 3);
      await expect(store.put('o/part-0.parquet', Readable.from(failingAfter(partial)))).rejects.toThrow(/mid-stream/);
      await expect(store.put('o/new.parquet', Readable.from(failingAfter(partial)))).rejects.toThrow(/mid-stream/);
      expect(text(await store.getBytes('o/part-0.parquet'))).toBe('version two');
      expect(await store.head('o/new.parquet')).toBeNull();
      expect((await store.list('o/')).map((o) => o.key)).toEqual(['o/part-0.parquet']);
    });

    it('refuses keys that escape the store or are not relative paths', async () => {
      for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/./b', '', 'a/../../b']) {
        await expect(store.put(key, 'x'), key).rejects.toMatchObject({ code: 'OBJECT_KEY_INVALID' });
      }
    });

    it('presigns a GET URL that serves ranges, where the backend signs URLs', async () => {
      await store.put('p/data.parquet', 'abcdefgh');
      const url = await store.presignGet('p/data.parquet', 60);
      if (store.kind === 'local') {
        expect(url).toBeNull();
        return;
      }
      const response = await fetch(url!, { headers: { Range: 'bytes=2-4' } });
      expect(response.status).toBe(206);
      expect(await response.text()).toBe('cde');
    });
  });
}
