// A folder as the object store (the embedded default). Keys map to files under `root`; every write goes to a temp
// file in `root/.tmp/` and is renamed into place, so no reader ever sees half an object (rename is atomic on one
// filesystem, and `.tmp/` lives on the same one as the objects).
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, notFound, ObjectStoreError, readAll } from './index.ts';
import type { ByteRange, ObjectInfo, ObjectStore, PutBody } from './index.ts';

const TEMP_DIR = '.tmp';

export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local';
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** The file holding `key`: DuckDB reads local objects straight from disk. */
  pathOf(key: string): string {
    assertValidKey(key);
    if (key.split('/')[0] === TEMP_DIR) {
      throw new ObjectStoreError('OBJECT_KEY_INVALID', `Object key "${key}" is under ${TEMP_DIR}/, which the local store keeps for writes in progress; choose another key.`);
    }
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: PutBody): Promise<{ bytes: number }> {
    const target = this.pathOf(key);
    const temp = await this.tempPath();
    try {
      const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([body]) : body;
      // Opened before the copy starts: a stream that opens its file lazily can create it after a failed copy's rm.
      const file = await open(temp, 'w');
      await pipeline(source, file.createWriteStream());
      const { size } = await stat(temp);
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      return { bytes: size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    // Open first so a missing object rejects here rather than as a stream error later.
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? notFound(key, this.root) : error;
    });
    if (range?.length === 0) {
      await handle.close();
      return Readable.from([]);
    }
    return createReadStream('', {
      fd: handle,
      start: range?.offset,
      end: range?.length === undefined ? undefined : range.offset + range.length - 1,
    });
  }

  async getBytes(key: string, range?: ByteRange): Promise<Uint8Array> {
    return readAll(await this.get(key, range));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    // Only the directory holding the prefix's last '/' can contain matches.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = base === '' ? this.root : join(this.root, ...base.split('/'));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (!key.startsWith(prefix) || key.split('/')[0] === TEMP_DIR) continue;
      const info = await stat(join(entry.parentPath, entry.name));
      found.push({ key, size: info.size, lastModified: info.mtime });
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (const object of objects) await this.delete(object.key);
    return objects.length;
  }

  async presignGet(): Promise<string | null> {
    return null;
  }

  private async tempPath(): Promise<string> {
    const dir = join(this.root, TEMP_DIR);
    await mkdir(dir, { recursive: true });
    return join(dir, randomUUID());
  }
}
