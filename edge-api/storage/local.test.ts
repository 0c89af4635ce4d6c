import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LocalObjectStore } from './local.ts';
import { describeObjectStore } from './store-suite.ts';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function makeLocalStore(): Promise<LocalObjectStore> {
  const root = await mkdtemp(join(tmpdir(), 'reef-local-store-'));
  roots.push(root);
  return new LocalObjectStore(root);
}

describeObjectStore('local folder', makeLocalStore);

it('local: a failed write leaves no temp file behind and keys under .tmp/ are refused', async () => {
  const store = await makeLocalStore();
  async function* failing() {
    yield new Uint8Array(10);
    throw new Error('boom');
  }
  await expect(store.put('x/y', failing())).rejects.toThrow('boom');
  expect(await readdir(join(store.root, '.tmp'))).toEqual([]);
  await expect(store.put('.tmp/x', 'a')).rejects.toMatchObject({ code: 'OBJECT_KEY_INVALID' });
  expect(store.pathOf('assets/c/v1/part-0.parquet')).toBe(join(store.root, 'assets', 'c', 'v1', 'part-0.parquet'));
});
