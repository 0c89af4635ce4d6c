import { describe, expect, it } from 'vitest';
import { columnValues } from '../../../shared/lf/column-batch.ts';
import { assetFromValues, type DecodedAsset } from './asset-table.ts';
import { batchFromBuffer, batchFromFile, batchToBuffer, fileColumns, readCachedFile, readFileRows, storeBatch, type BatchFile, type BatchFolder } from './batch-cache.ts';
import { rowRange } from './row-range.ts';

/** OPFS as the cache uses it, in memory: files by name, synchronous handles, rename by move. */
function memoryFolder(): BatchFolder & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const folder = {
    files,
    async getFileHandle(name: string, options?: { create?: boolean }): Promise<BatchFile> {
      if (!files.has(name)) {
        if (!options?.create) throw new DOMException(`${name} not found`, 'NotFoundError');
        files.set(name, new Uint8Array(0));
      }
      let current = name;
      return {
        async createSyncAccessHandle() {
          return {
            getSize: () => files.get(current)!.byteLength,
            read(into: Uint8Array, { at }: { at: number }) {
              const bytes = files.get(current)!.subarray(at, at + into.byteLength);
              into.set(bytes);
              return bytes.byteLength;
            },
            write(from: Uint8Array, { at }: { at: number }) {
              const old = files.get(current)!;
              const grown = new Uint8Array(Math.max(old.byteLength, at + from.byteLength));
              grown.set(old);
              grown.set(from, at);
              files.set(current, grown);
              return from.byteLength;
            },
            flush() {},
            close() {},
          };
        },
        async getFile() {
          return new Blob([files.get(current)!.slice()]);
        },
        async move(_folder: BatchFolder, to: string) {
          files.set(to, files.get(current)!);
          files.delete(current);
          current = to;
        },
      };
    },
    async removeEntry(name: string) {
      if (!files.delete(name)) throw new DOMException(`${name} not found`, 'NotFoundError');
    },
    async *keys() {
      yield* [...files.keys()];
    },
  };
  return folder;
}

const comments = (texts: (string | null)[]): DecodedAsset => assetFromValues('comments', 'id', { id: texts.map((_, i) => i + 1), text: texts });
const ref = (versionId: string, assetId = 'asset-1') => ({ name: 'comments', assetId, versionId, keyColumn: 'id' });
/** What a load reads: the whole file, then its columns. */
async function cachedBatch(r: ReturnType<typeof ref>, folder: BatchFolder): Promise<DecodedAsset | undefined> {
  const file = await readCachedFile(r, folder);
  return file && batchFromFile(file, r.name, r.keyColumn);
}

describe('batch cache buffers', () => {
  it('give back every column with its type, values, nulls and text offsets', () => {
    const asset = assetFromValues('comments', 'id', {
      id: [1, 2, 3],
      big: [1n, 2n ** 60n, null],
      text: ['café 🦆', null, 'line\nbreak'],
      score: [0.5, null, -2],
      flag: [true, false, null],
      at: [new Date('2024-01-02T03:04:05Z'), null, new Date(0)],
    });
    const back = batchFromBuffer(batchToBuffer(asset), 'comments', 'id')!;
    expect(back.n).toBe(3);
    for (const [name, column] of Object.entries(asset.columns)) {
      expect(back.columns[name]!.type).toBe(column.type);
      expect(columnValues(back.columns[name]!)).toEqual(columnValues(column));
    }
    expect(back.columns.text).toMatchObject({ hasNewline: true, text: 'café 🦆\n\nline\nbreak' });
  });

  it('are not read back when cut short or followed by other bytes', () => {
    const whole = new Uint8Array(batchToBuffer(comments(['a', 'b'])));
    expect(batchFromBuffer(whole.slice(0, whole.byteLength - 8).buffer, 'comments', 'id')).toBeUndefined();
    const longer = new Uint8Array(whole.byteLength + 8);
    longer.set(whole);
    expect(batchFromBuffer(longer.buffer, 'comments', 'id')).toBeUndefined();
    expect(batchFromBuffer(new ArrayBuffer(2), 'comments', 'id')).toBeUndefined();
  });
});

describe('batch cache in a folder (OPFS)', () => {
  it('gives back a stored version, and nothing for a version never stored', async () => {
    const folder = memoryFolder();
    expect(await cachedBatch(ref('v1'), folder)).toBeUndefined();
    await storeBatch(ref('v1'), comments(['free money', null, 'hi']), folder);
    const back = await cachedBatch(ref('v1'), folder);
    expect(columnValues(back!.columns.text!)).toEqual(['free money', null, 'hi']);
    expect(back!.n).toBe(3);
  });

  it('never serves a new version of an asset from an older version\'s file, and drops the older file once the new one is stored', async () => {
    const folder = memoryFolder();
    await storeBatch(ref('v1'), comments(['old']), folder);
    await storeBatch(ref('v1', 'asset-2'), comments(['other asset']), folder);
    expect(await cachedBatch(ref('v2'), folder)).toBeUndefined();
    await storeBatch(ref('v2'), comments(['new', 'rows']), folder);
    expect(columnValues((await cachedBatch(ref('v2'), folder))!.columns.text!)).toEqual(['new', 'rows']);
    expect(await cachedBatch(ref('v1'), folder)).toBeUndefined();
    // Another asset's version stays.
    expect(columnValues((await cachedBatch(ref('v1', 'asset-2'), folder))!.columns.text!)).toEqual(['other asset']);
    expect([...folder.files.keys()].sort()).toEqual(['asset-1.v2.v3.batch', 'asset-2.v1.v3.batch']);
  });

  it('writes under a temporary name: while a store is under way the version reads as missing, not as half a file', async () => {
    const folder = memoryFolder();
    const seen: (DecodedAsset | undefined)[] = [];
    const getFileHandle = folder.getFileHandle.bind(folder);
    folder.getFileHandle = async (name, options) => {
      const file = await getFileHandle(name, options);
      const move = file.move.bind(file);
      file.move = async (to, newName) => {
        seen.push(await cachedBatch(ref('v1'), folder));
        await move(to, newName);
      };
      return file;
    };
    await storeBatch(ref('v1'), comments(['a']), folder);
    expect(seen).toEqual([undefined]);
    expect((await cachedBatch(ref('v1'), folder))?.n).toBe(1);
  });

  it('treats a damaged file as missing and removes it', async () => {
    const folder = memoryFolder();
    await storeBatch(ref('v1'), comments(['a', 'b']), folder);
    const [name] = folder.files.keys();
    folder.files.set(name!, folder.files.get(name!)!.subarray(0, 20));
    expect(await cachedBatch(ref('v1'), folder)).toBeUndefined();
    expect(folder.files.size).toBe(0);
  });
});

describe('rows read from a cached file by another worker (readFileRows)', () => {
  // Text of 1- to 4-byte characters (stored as UTF-16) and ASCII text (stored as UTF-8), nulls, a row with a
  // newline, numbers.
  const n = 10_000;
  const texts = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : i % 13 === 0 ? `café ✔ ${i}` : i % 29 === 0 ? `🦆${i}🦆` : i === 7001 ? 'two\nlines' : `row ${i}`));
  const authors = texts.map((_, i) => (i % 7 === 0 ? null : `author${i % 300}`));
  const asset = assetFromValues('comments', 'id', { id: texts.map((_, i) => i + 1), text: texts, author: authors, likes: texts.map((_, i) => (i % 11 ? i * 0.5 : null)) });

  it('gives the same rows, text offsets rebased, as cutting them from the whole column', async () => {
    const folder = memoryFolder();
    await storeBatch(ref('v1'), asset, folder);
    const file = (await readCachedFile(ref('v1'), folder))!;
    const located = fileColumns(file);
    expect([located.text!.entry.values.kind, located.author!.entry.values.kind]).toEqual(['utf16', 'utf8']);
    for (const [from, to] of [[0, n], [1, n], [4095, n], [4096, n], [4097, 9000], [5000, n], [8191, 8193], [n - 1, n], [n, n], [0, 4096]] as const) {
      const expected = rowRange({ length: n, columns: asset.columns }, from, to);
      for (const name of ['id', 'text', 'author', 'likes']) {
        const rows = await readFileRows(folder, located[name]!, from, to);
        expect(columnValues(rows), `${name} [${from}, ${to})`).toEqual(columnValues(expected.columns[name]!));
        if (rows.type === 'string' && expected.columns[name]!.type === 'string') {
          expect(rows.text).toBe(expected.columns[name]!.text);
          expect(Array.from(rows.offsets)).toEqual(Array.from(expected.columns[name]!.offsets));
        }
      }
    }
  });

  it('refuses a file whose text does not match its offsets, rather than giving rows shifted', async () => {
    const folder = memoryFolder();
    await storeBatch(ref('v1'), asset, folder);
    const file = (await readCachedFile(ref('v1'), folder))!;
    const [name] = folder.files.keys();
    const bytes = folder.files.get(name!)!;
    const author = fileColumns(file).author!;
    expect(author.entry.values.kind).toBe('utf8');
    // A 2-byte character in place of the last row's first two letters: one unit fewer than the offsets say.
    bytes.set([0xc3, 0xa9], author.start + author.entry.values.at + author.entry.values.length - 'author99'.length);
    await expect(readFileRows(folder, author, 5000, n)).rejects.toThrow(/another length/);
  });
});
