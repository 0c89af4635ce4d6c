import { describe, expect, it } from 'vitest';
import { fitSnorkel } from './snorkel.ts';
import { computeSufficientStats, countCoVotes, lfCoverages, mergeStats, statsFromJSON, statsToJSON } from './stats.ts';
import { generateLabelMatrix, spreadLfQualities } from './synthetic.ts';

describe('sufficient statistics', () => {
  const { accuracies, coverages } = spreadLfQualities(8, [0.6, 0.9], [0.1, 0.6]);
  const data = generateLabelMatrix({ n: 3000, k: 3, accuracies, coverages, seed: 11 });

  it('merge per-partition statistics into exactly the whole-matrix statistics', () => {
    const cut = 1234 * data.m;
    const a = computeSufficientStats(data.L.subarray(0, cut), 1234, data.m, 3, { patterns: true });
    const b = computeSufficientStats(data.L.subarray(cut), data.n - 1234, data.m, 3, { patterns: true });
    const whole = computeSufficientStats(data.L, data.n, data.m, 3, { patterns: true });
    const merged = mergeStats(a, b);
    expect(merged.n).toBe(whole.n);
    expect(Array.from(merged.coVotes)).toEqual(Array.from(whole.coVotes));
    expect([...merged.patterns!.entries()].sort()).toEqual([...whole.patterns!.entries()].sort());
  });

  it('give the same fitted model whether computed whole or merged from partitions', () => {
    const parts = [0, 700, 1900, data.n].slice(1).map((end, i, ends) => {
      const start = i === 0 ? 0 : ends[i - 1];
      return computeSufficientStats(data.L.subarray(start * data.m, end * data.m), end - start, data.m, 3);
    });
    const merged = parts.reduce(mergeStats);
    const whole = computeSufficientStats(data.L, data.n, data.m, 3);
    expect(Array.from(fitSnorkel(merged, { seed: 3 }).mu)).toEqual(Array.from(fitSnorkel(whole, { seed: 3 }).mu));
  });

  it('count Int16 matrices (k > 127) and unaligned Int8 views the same way as aligned Int8 ones', () => {
    const rows = [5, -1, 200, 5, 5, -1, -1, 199, 200];
    const wide = computeSufficientStats(Int16Array.from(rows), 3, 3, 201);
    const d = 3 * 201;
    expect(wide.coVotes[5 * d + 5]).toBe(2);
    expect(wide.coVotes[5 * d + 201 + 5]).toBe(1);
    expect(wide.coVotes[5 * d + 402 + 200]).toBe(1);

    const small = Int8Array.from([9, 0, 1, 1, 0, -1, 1, 1, 1, -1, -1, 0, 0]);
    const unaligned = computeSufficientStats(small.subarray(1), 3, 4, 2);
    const copy = computeSufficientStats(Int8Array.from(small.subarray(1)), 3, 4, 2);
    expect(Array.from(unaligned.coVotes)).toEqual(Array.from(copy.coVotes));
  });

  it('survive a JSON round trip (a partition job handing its part to the merge)', () => {
    const stats = computeSufficientStats(data.L, data.n, data.m, 3, { patterns: true });
    const back = statsFromJSON(JSON.parse(JSON.stringify(statsToJSON(stats))));
    expect(Array.from(back.coVotes)).toEqual(Array.from(stats.coVotes));
    expect([...back.patterns!]).toEqual([...stats.patterns!]);
    // Regression: abstains made U+0000 in pattern keys, which PostgreSQL's jsonb refuses (Dawid–Skene runs failed).
    expect(JSON.stringify(statsToJSON(stats))).not.toMatch(/\\u00[01][0-9a-f]/);
    expect(() => statsFromJSON({ n: 1, m: 2, k: 2, coVotes: [[4, 1]] })).toThrow(/outside the upper triangle/);
  });

  it('read LF coverages off the diagonal', () => {
    const stats = computeSufficientStats(Int8Array.from([0, -1, 1, 1, -1, -1, 0, 0, -1]), 3, 3, 2);
    expect(Array.from(lfCoverages(stats))).toEqual([1, 1 / 3, 1 / 3]);
  });

  it('count binary matrices four votes at a time exactly as one at a time, for any row width', () => {
    for (const m of [3, 5, 7, 50]) {
      const q = spreadLfQualities(m, [0.6, 0.9], [0.05, 0.6]);
      const bin = generateLabelMatrix({ n: 1001, k: 2, ...q, seed: m });
      // countCoVotes: the JavaScript four-at-a-time path, which computeSufficientStats leaves to WebAssembly here.
      const fast = new Uint32Array(4 * m * m);
      expect(countCoVotes(bin.L, bin.n, m, 2, fast)).toBe(false);
      const slow = computeSufficientStats(Int16Array.from(bin.L), bin.n, m, 2);
      expect(Array.from(fast)).toEqual(Array.from(slow.coVotes));
      expect(Array.from(computeSufficientStats(bin.L, bin.n, m, 2).coVotes)).toEqual(Array.from(slow.coVotes));
    }
  });

  it('refuse votes outside -1..1 on the four-at-a-time binary path', () => {
    for (const bad of [-2, 2, 5, 127, -128]) {
      const L = new Int8Array(400).fill(-1);
      L[217] = bad;
      expect(() => computeSufficientStats(L, 100, 4, 2)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
      expect(countCoVotes(L, 100, 4, 2, new Uint32Array(64))).toBe(true);
    }
    const ok = new Int8Array(400).fill(-1);
    ok[217] = 1;
    expect(computeSufficientStats(ok, 100, 4, 2).coVotes[3 * 8 + 3]).toBe(1);
  });

  it('refuse votes outside -1..k-1 and merging different shapes', () => {
    expect(() => computeSufficientStats(Int8Array.from([0, 2, 1]), 1, 3, 2)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    const a = computeSufficientStats(Int8Array.from([0, 1, 1]), 1, 3, 2);
    const b = computeSufficientStats(Int8Array.from([0, 1, 1, 0]), 1, 4, 2);
    expect(() => mergeStats(a, b)).toThrow(/cannot merge/);
  });
});
