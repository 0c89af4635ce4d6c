import { describe, expect, it } from 'vitest';
import { bootstrapWinRates } from './paired-bootstrap.ts';

describe('bootstrapWinRates', () => {
  const gold = Int32Array.from({ length: 200 }, (_, i) => i % 2);
  const perfect = Int32Array.from(gold);
  // Wrong on every 10th row, and on every 20th row when worse.
  const good = gold.map((y, i) => (i % 10 === 0 ? 1 - y : y));
  const worse = good.map((y, i) => (i % 20 === 5 ? 1 - y : y));

  it('gives the reference and every copy of it one half', () => {
    expect(Array.from(bootstrapWinRates([good, Int32Array.from(good)], gold, 2, 'accuracy', 0))).toEqual([0.5, 0.5]);
  });

  it('measures a candidate that is better on many rows as better on (almost) every resample, and a worse one as worse', () => {
    const rates = bootstrapWinRates([good, perfect, worse], gold, 2, 'accuracy', 0, { seed: 3 });
    expect(rates[1]).toBeGreaterThan(0.99);
    expect(rates[2]).toBeLessThan(0.01);
  });

  it('leaves a one-row difference undecided', () => {
    const oneBetter = Int32Array.from(good);
    oneBetter[0] = gold[0];
    const rate = bootstrapWinRates([good, oneBetter], gold, 2, 'accuracy', 0)[1];
    expect(rate).toBeGreaterThan(0.5);
    expect(rate).toBeLessThan(0.9);
  });

  it('is the same for the same seed, and scores F1 on the same draws', () => {
    const a = bootstrapWinRates([good, worse], gold, 2, 'f1_binary', 0, { seed: 9, resamples: 200 });
    const b = bootstrapWinRates([good, worse], gold, 2, 'f1_binary', 0, { seed: 9, resamples: 200 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[1]).toBeLessThan(0.05);
  });

  it('draws only rows with a gold label', () => {
    // Unlabelled rows where the candidate disagrees change nothing: it is a copy of the reference on the rest.
    const withUnlabelled = Int32Array.from([...gold, -1, -1, -1]);
    const reference = Int32Array.from([...good, 0, 0, 0]);
    const candidate = Int32Array.from([...good, 1, 1, 1]);
    expect(bootstrapWinRates([reference, candidate], withUnlabelled, 2, 'accuracy', 0)[1]).toBe(0.5);
  });

  it('depends on the rows, not on their order', () => {
    const order = Array.from(gold.keys()).sort((a, b) => ((a * 7919) % 200) - ((b * 7919) % 200));
    const shuffle = (x: Int32Array) => Int32Array.from(order, (i) => x[i]);
    // Right on 3 rows good gets wrong, wrong on 2 it gets right: a close call, so the draws matter.
    const mixed = good.map((y, i) => ([0, 10, 20].includes(i) ? gold[i] : [1, 3].includes(i) ? 1 - gold[i] : y));
    const rates = bootstrapWinRates([good, mixed], gold, 2, 'accuracy', 0, { seed: 4, resamples: 300 });
    const shuffled = bootstrapWinRates([good, mixed].map(shuffle), shuffle(gold), 2, 'accuracy', 0, { seed: 4, resamples: 300 });
    expect(rates[1]).toBeGreaterThan(0.5);
    expect(rates[1]).toBeLessThan(0.9);
    expect(Array.from(shuffled)).toEqual(Array.from(rates));
  });
});
