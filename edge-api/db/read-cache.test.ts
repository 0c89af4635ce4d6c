import { describe, expect, it } from 'vitest';
import { ReadCache } from './read-cache.ts';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
};

describe('ReadCache', () => {
  it('loads a key once for concurrent readers and keeps it until the key changes', async () => {
    const cache = new ReadCache<number>(60_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).toEqual([1, 1, 1]);
    expect(await cache.get('a', load)).toBe(1);
    cache.invalidate('b');
    expect(await cache.get('a', load)).toBe(1);
    cache.invalidate('a');
    expect(await cache.get('a', load)).toBe(2);
  });

  it('does not keep a load that a change overtook, and a reader after the change does not join it', async () => {
    const cache = new ReadCache<string>(60_000);
    const slow = deferred<string>();
    const before = cache.get('a', () => slow.promise);
    cache.invalidate('a'); // committed while the first load was reading
    const after = cache.get('a', async () => 'new');
    slow.resolve('old');
    expect(await before).toBe('old');
    expect(await after).toBe('new');
    expect(await cache.get('a', async () => 'newer')).toBe('new');

    const racing = deferred<string>();
    const raced = cache.get('b', () => racing.promise);
    cache.clear();
    racing.resolve('stale');
    expect(await raced).toBe('stale');
    expect(await cache.get('b', async () => 'fresh')).toBe('fresh');
  });

  it('keeps only what `keep` accepts, expires entries, forgets failures, and keeps nothing with a ttl of 0', async () => {
    const cache = new ReadCache<number | undefined>(60_000);
    let n = 0;
    await cache.get('missing', async () => undefined, (v) => v !== undefined);
    expect(await cache.get('missing', async () => ++n, (v) => v !== undefined)).toBe(1);

    await expect(cache.get('x', async () => { throw new Error('down'); })).rejects.toThrow('down');
    expect(await cache.get('x', async () => 7)).toBe(7);

    const short = new ReadCache<number>(20);
    await short.get('a', async () => 1);
    await new Promise((r) => setTimeout(r, 40));
    expect(await short.get('a', async () => 2)).toBe(2);

    const none = new ReadCache<number>(0);
    let loads = 0;
    await none.get('a', async () => ++loads);
    expect(await none.get('a', async () => ++loads)).toBe(2);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new ReadCache<string>(60_000, 2);
    for (const key of ['a', 'b', 'c']) await cache.get(key, async () => key);
    expect(await cache.get('a', async () => 'a again')).toBe('a again');
    expect(await cache.get('c', async () => 'c again')).toBe('c');
  });
});
