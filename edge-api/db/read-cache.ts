// Reads kept in memory between changes: each entry is dropped when the change feed names its key (or everything,
// when the feed may have missed changes), and lives at most `ttlMs` in any case, which bounds how stale a read can
// be if notifications stop arriving unnoticed; a ttlMs of 0 keeps nothing. Concurrent misses of one key share one load, and a load that raced a
// change is returned to its caller but not kept.
export class ReadCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  /** Bumped per key on every change, and for all keys by `clear()`: a load started before a bump is not kept. */
  readonly #versions = new Map<string, number>();
  #epoch = 0;

  readonly ttlMs: number;
  readonly maxEntries: number;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > performance.now()) return Promise.resolve(hit.value);
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const epoch = this.#epoch;
    const version = this.#versions.get(key) ?? 0;
    const loading = load().then((value) => {
      if (epoch === this.#epoch && version === (this.#versions.get(key) ?? 0) && keep(value)) {
        if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
        this.#entries.set(key, { value, expires: performance.now() + this.ttlMs });
      }
      return value;
    }).finally(() => {
      if (this.#loading.get(key) === loading) this.#loading.delete(key);
    });
    this.#loading.set(key, loading);
    return loading;
  }

  /** Drops one key: loads of it already under way are not kept. */
  invalidate(key: string): void {
    this.#entries.delete(key);
    this.#loading.delete(key);
    this.#versions.set(key, (this.#versions.get(key) ?? 0) + 1);
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#loading.clear();
    this.#versions.clear();
  }
}
