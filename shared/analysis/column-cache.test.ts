import { describe, expect, it } from 'vitest';
import { analyzeLabelMatrix } from './analyze.ts';
import { LfAnalysisCache } from './column-cache.ts';

/** Deterministic xorshift, so a failing case can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

function randomColumn(n: number, k: number, abstainRate: number, rand: () => number): Int8Array {
  const col = new Int8Array(n);
  for (let i = 0; i < n; i++) col[i] = rand() < abstainRate ? -1 : Math.floor(rand() * k);
  return col;
}

function rowMajor(columns: Int8Array[], n: number): Int8Array {
  const m = columns.length;
  const L = new Int8Array(n * m);
  for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) L[i * m + j] = columns[j][i];
  return L;
}

describe('LfAnalysisCache', () => {
  it('equals a full analysis after columns are added and replaced one at a time', () => {
    const rand = rng(42);
    const n = 400;
    const k = 3;
    const gold = Array.from({ length: n }, () => (rand() < 0.2 ? -1 : Math.floor(rand() * k)));
    const cache = new LfAnalysisCache(n, k, gold);
    const columns: Int8Array[] = [];
    for (let j = 0; j < 6; j++) {
      columns[j] = randomColumn(n, k, 0.6, rand);
      cache.setColumn(j, columns[j]);
      expect(cache.analysis()).toEqual(analyzeLabelMatrix(rowMajor(columns, n), n, columns.length, k, gold));
    }
    // An analyst edits LFs: each edit replaces one column.
    for (let step = 0; step < 20; step++) {
      const j = Math.floor(rand() * columns.length);
      columns[j] = randomColumn(n, k, rand(), rand);
      cache.setColumn(j, columns[j]);
      expect(cache.analysis()).toEqual(analyzeLabelMatrix(rowMajor(columns, n), n, columns.length, k, gold));
    }
  });

  it('turns a row into a conflict for every LF voting on it when one LF starts disagreeing', () => {
    const cache = new LfAnalysisCache(1, 2);
    cache.setColumn(0, Int8Array.from([1]));
    cache.setColumn(1, Int8Array.from([1]));
    expect(cache.analysis().lfs.map((s) => s.conflicts)).toEqual([0, 0]);
    cache.setColumn(1, Int8Array.from([0]));
    expect(cache.analysis().lfs.map((s) => s.conflicts)).toEqual([1, 1]);
    expect(cache.analysis().conflict).toBe(1);
  });

  it('refuses a column of the wrong length', () => {
    const cache = new LfAnalysisCache(3, 2);
    expect(() => cache.setColumn(0, new Int8Array(2))).toThrow(expect.objectContaining({ code: 'BAD_SHAPE' }));
  });

  it('takes gold labels one row at a time and equals a full analysis with the same gold', () => {
    const rand = rng(7);
    const n = 300;
    const k = 3;
    const columns = [0, 1, 2, 3].map(() => randomColumn(n, k, 0.5, rand));
    for (const startWithGold of [false, true]) {
      const gold = new Int32Array(n).fill(-1);
      const cache = new LfAnalysisCache(n, k, startWithGold ? gold : undefined);
      columns.forEach((col, j) => { cache.setColumn(j, col); });
      for (let step = 0; step < 200; step++) {
        const i = Math.floor(rand() * n);
        const y = Math.floor(rand() * (k + 1)) - 1;
        gold[i] = y;
        cache.setGold(i, y);
      }
      // A column added after the labels counts them too.
      const added = randomColumn(n, k, 0.3, rand);
      cache.setColumn(4, added);
      expect(cache.analysis()).toEqual(analyzeLabelMatrix(rowMajor([...columns, added], n), n, 5, k, gold));
    }
    expect(() => new LfAnalysisCache(2, 2).setGold(0, 2)).toThrow(/gold label 2/);
  });

  it('counts the rows labelled since the last edit when a column is replaced between labels', () => {
    const rand = rng(11);
    const n = 200;
    const k = 2;
    const columns = [0, 1, 2].map(() => randomColumn(n, k, 0.5, rand));
    const gold = new Int32Array(n).fill(-1);
    const cache = new LfAnalysisCache(n, k, gold);
    columns.forEach((col, j) => { cache.setColumn(j, col); });
    for (let step = 0; step < 60; step++) {
      const i = Math.floor(rand() * n);
      gold[i] = Math.floor(rand() * (k + 1)) - 1;
      cache.setGold(i, gold[i]!);
      const j = step % 3;
      columns[j] = randomColumn(n, k, 0.5, rand);
      cache.setColumn(j, columns[j]!);
      expect(cache.analysis()).toEqual(analyzeLabelMatrix(rowMajor(columns, n), n, 3, k, gold));
    }
  });

  it('leaves its numbers as they were when a column holds a vote outside -1..k-1', () => {
    const cache = new LfAnalysisCache(3, 2);
    cache.setColumn(0, Int8Array.from([1, -1, 0]));
    const before = cache.analysis();
    expect(() => cache.setColumn(0, Int8Array.from([0, 0, 2]))).toThrow(expect.objectContaining({ code: 'BAD_LABEL' }));
    expect(cache.analysis()).toEqual(before);
  });
});
