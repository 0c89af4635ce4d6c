// probs_to_preds semantics (snorkel_conformance.md §4) and the numpy / SHA-1 primitives they rest on.
import { describe, expect, it } from 'vitest';
import { probsToPreds } from './predictions.ts';
import { NumpyRandomState } from './random.ts';
import { sha1Hex, snorkelHashMod } from './sha1.ts';

const probs = (rows: number[][]) => Float64Array.from(rows.flat());

describe('probsToPreds', () => {
  it('takes the single most likely class', () => {
    expect(Array.from(probsToPreds(probs([[0.1, 0.9], [0.7, 0.3]]), 2, 'hash'))).toEqual([1, 0]);
    expect(Array.from(probsToPreds(probs([[0.8, 0.1, 0.1]]), 3, 'abstain'))).toEqual([0]);
  });

  it('abstains on ties within the 1e-5 tolerance under the abstain policy', () => {
    expect(Array.from(probsToPreds(probs([[0.33, 0.33, 0.33]]), 3, 'abstain'))).toEqual([-1]);
    expect(Array.from(probsToPreds(probs([[0.5, 0.5, 0.5]]), 3, 'abstain'))).toEqual([-1]);
    expect(Array.from(probsToPreds(probs([[0.5, 0.500001]]), 2, 'abstain'))).toEqual([-1]);
    expect(Array.from(probsToPreds(probs([[0.5, 0.50002]]), 2, 'abstain'))).toEqual([1]);
  });

  it('breaks ties like Snorkel: tied[int(sha1(str(i)), 16) % #tied], identical on every call', () => {
    const tiedRows = probs(Array.from({ length: 12 }, () => [1 / 3, 1 / 3, 1 / 3]));
    const preds = Array.from(probsToPreds(tiedRows, 3, 'hash'));
    // Values computed with Python: [int(hashlib.sha1(str(i).encode()).hexdigest(), 16) % 3 for i in range(12)]
    expect(preds).toEqual([0, 0, 0, 1, 0, 0, 1, 2, 1, 1, 0, 2]);
    expect(Array.from(probsToPreds(tiedRows, 3, 'hash'))).toEqual(preds);
  });

  it('hashes global row indices, so a partition predicted alone matches the whole matrix', () => {
    const rows = probs(Array.from({ length: 10 }, () => [0.5, 0.5]));
    const whole = Array.from(probsToPreds(rows, 2, 'hash'));
    const tail = Array.from(probsToPreds(rows.subarray(10), 2, 'hash', { rowOffset: 5 }));
    expect(tail).toEqual(whole.slice(5));
  });

  it('breaks ties randomly but reproducibly for a seed', () => {
    const rows = probs(Array.from({ length: 200 }, () => [0.5, 0.5]));
    const a = Array.from(probsToPreds(rows, 2, 'random', { seed: 1 }));
    expect(Array.from(probsToPreds(rows, 2, 'random', { seed: 1 }))).toEqual(a);
    expect(Array.from(probsToPreds(rows, 2, 'random', { seed: 2 }))).not.toEqual(a);
    const ones = a.filter((p) => p === 1).length;
    expect(ones).toBeGreaterThan(70);
    expect(ones).toBeLessThan(130);
  });

  it('needs at least two classes', () => {
    expect(() => probsToPreds(probs([[1]]), 1, 'hash')).toThrow(/at least 2 classes/);
  });
});

describe('numpy RandomState and SHA-1', () => {
  it('reproduces np.random.seed(123); np.random.random() twice', () => {
    const rng = new NumpyRandomState(123);
    expect(rng.random()).toBe(0.6964691855978616);
    expect(rng.random()).toBe(0.28613933495037946);
  });

  it('hashes like hashlib.sha1', () => {
    expect(sha1Hex('hello')).toBe('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
    expect(sha1Hex('0')).toBe('b6589fc6ab0dc82cf12099d1c2d40ab994e8410c');
    expect(snorkelHashMod(12345, 7)).toBe(5);
  });
});
