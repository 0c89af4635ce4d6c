import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from '../../shared/lf/column-batch.ts';
import type { AssetSchema } from '../../shared/lf/types.ts';
import { customLfJavaScript } from '../security/custom-lf-check.ts';
import { CustomLfError, CustomLfSandbox } from './sandbox.ts';

const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }, { name: 'at', type: 'timestamp' }] };
const rows = Array.from({ length: 5000 }, (_, i) => ({
  text: i % 3 === 0 ? `check out http://spam.example/${i}` : i % 7 === 0 ? null : `nice song ${i}`,
  likes: i % 10, at: new Date(Date.UTC(2024, 0, 1 + (i % 30))),
}));
const batch = columnBatchFromRows(schema, rows);
const limits = { batchTimeoutMs: 5_000, memoryBytes: 16 * 1024 * 1024, batchRows: 1000 };

/** A sandbox for `code` as customLfVotes makes one: checked and compiled first, a refusal as CUSTOM_LF_COMPILE. */
async function sandboxOf(name: string, code: string, limitsOf = limits) {
  const compiled = customLfJavaScript(code);
  if (!compiled.ok) throw new CustomLfError('CUSTOM_LF_COMPILE', name, compiled.message);
  return CustomLfSandbox.create({ name, js: compiled.js }, limitsOf);
}

async function votesOf(code: string, limitsOf = limits) {
  const sandbox = await sandboxOf('lf', code, limitsOf);
  try {
    return sandbox.votes(batch, schema.columns, 2);
  } finally {
    sandbox.dispose();
  }
}

describe('custom LF sandbox (QuickJS)', () => {
  it('runs a typed LF over every row: class, ABSTAIN, nulls and Date timestamps as the Row type says', async () => {
    const run = await votesOf(`(row: Row): number => row.text !== null && row.text.includes('http') ? 1 : row.at!.getUTCDate() === 2 ? 0 : ABSTAIN`);
    const expected = rows.map((r) => (r.text !== null && r.text.includes('http') ? 1 : r.at.getUTCDate() === 2 ? 0 : -1));
    expect(Array.from(run.votes)).toEqual(expected);
    expect(run.errors).toBe(0);
  });

  it('counts a throw as that row\'s abstain and reports it; an out-of-range return abstains and is counted', async () => {
    const run = await votesOf(`function lf(row) { if (row.likes === 3) throw new Error('bad row'); return row.likes === 4 ? 7 : 1; }`);
    expect(run.errors).toBe(500);
    expect(run.firstError).toBe('Error: bad row');
    expect(run.invalid).toBe(500);
    expect(run.firstInvalid).toBe('7');
    expect(Array.from(run.votes).filter((v) => v === -1)).toHaveLength(1000);
  });

  it('stops an endless loop at the time limit and names the LF', async () => {
    const started = Date.now();
    await expect(votesOf(`(row) => { while (true) {} }`, { ...limits, batchTimeoutMs: 300 })).rejects.toMatchObject({ code: 'CUSTOM_LF_TIMEOUT', lf: 'lf' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops unbounded allocation at the memory limit', async () => {
    await expect(votesOf(`(row) => { const keep = []; for (;;) keep.push({ row, n: keep.length, list: [1, 2, 3] }); }`,
      { ...limits, batchTimeoutMs: 30_000 }))
      .rejects.toMatchObject({ code: 'CUSTOM_LF_MEMORY', lf: 'lf' });
  });

  it('has no network, module loader, process or file system: such calls throw inside the LF', async () => {
    for (const code of [
      `(row) => { fetch('http://127.0.0.1:1/'); return 1; }`,
      `(row) => { require('fs').readFileSync('/etc/passwd'); return 1; }`,
      `(row) => { process.exit(1); return 1; }`,
      `(row) => { new XMLHttpRequest(); return 1; }`,
    ]) {
      const run = await votesOf(code);
      expect(run.errors).toBe(rows.length);
      expect(run.firstError).toMatch(/ReferenceError: '?(fetch|require|process|XMLHttpRequest)'? is not defined/);
    }
  });

  it('refuses code that is not one function, naming the LF', async () => {
    await expect(votesOf(`import fs from 'fs'; export default (row) => 1`)).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE', lf: 'lf' });
    await expect(votesOf(`42`)).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE' });
  });

  it('survives deep recursion as an LF error, not a host crash', async () => {
    const run = await votesOf(`function f(row) { const g = (n) => n === 0 ? 0 : 1 + g(n - 1); return row.text?.endsWith('/0') && g(1e6) > 0 ? 1 : 0; }`);
    expect(run.errors).toBe(1);
    expect(run.votes[0]).toBe(-1);
    expect(run.firstError).toMatch(/stack overflow|RangeError/i);
  });

  it('validates votes against the concept\'s classes: out of range, fractions, strings and nothing abstain and are counted', async () => {
    const run = await votesOf(`(row) => [7, 1.5, '1', undefined, -2, 1, 0, ABSTAIN, -1, 2][row.likes]`);
    const expected = rows.map((r) => [-1, -1, -1, -1, -1, 1, 0, -1, -1, -1][r.likes]);
    expect(Array.from(run.votes)).toEqual(expected);
    expect(run.invalid).toBe(rows.filter((r) => [0, 1, 2, 3, 4, 9].includes(r.likes)).length);
    expect(run.firstInvalid).toBe('7');
    expect(run.errors).toBe(0);
  });

  it('reads votes through a channel the LF cannot replace: overriding JSON, Number.isInteger, Object.freeze or Date forges nothing', async () => {
    const forged = JSON.stringify({ votes: new Array(1000).fill(1), errors: 0, first: null });
    const run = await votesOf(`(row) => {
      JSON.stringify = () => ${JSON.stringify(forged)};
      JSON.parse = () => ({ n: 0, names: [], dates: [], columns: [] });
      Number.isInteger = () => true;
      Object.freeze = (o) => o;
      Date = function () { return 42; };
      globalThis.__reefRun = () => ${JSON.stringify(forged)};
      return row.likes === 5 ? 7 : 0;
    }`);
    expect(Array.from(run.votes)).toEqual(rows.map((r) => (r.likes === 5 ? -1 : 0)));
    expect(run.invalid).toBe(500);
    expect(run.errors).toBe(0);
  });

  it('keeps the harness out of the LF\'s reach: its variables are not in scope and nothing of it is on the global object', async () => {
    const run = await votesOf(`(row) => typeof out === 'undefined' && typeof buffer === 'undefined' && typeof bind === 'undefined'
      && Object.getOwnPropertyNames(globalThis).every((name) => !/reef/i.test(name)) ? 1 : 0`);
    expect(new Set(run.votes)).toEqual(new Set([1]));
  });

  it('refuses code that would run before any row (a comma or a call in place of one function)', async () => {
    await expect(votesOf(`(row) => 1)(JSON.stringify = () => '[]'), ((row) => 1`)).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE', lf: 'lf' });
    // Handed to the sandbox unchecked, it is refused there too: the harness is already in place, and the
    // expression is not one function.
    await expect(CustomLfSandbox.create({ name: 'lf', js: `globalThis.x = 1, 42` }, limits)).rejects.toMatchObject({ code: 'CUSTOM_LF_COMPILE', lf: 'lf' });
  });

  it('names the LF in every error, also when the LF replaced JSON and threw null', async () => {
    await expect(votesOf(`(row) => { JSON.stringify = () => 'not json'; throw null; }`)).rejects.toMatchObject({ lf: 'lf', message: expect.stringContaining('Custom LF "lf"') });
    const sandbox = await sandboxOf('spam_words', `(row) => { while (true) {} }`, { ...limits, batchTimeoutMs: 100 });
    try {
      expect(() => sandbox.votes(batch, schema.columns, 2)).toThrow(/^Custom LF "spam_words": took longer than 100 ms/);
    } finally {
      sandbox.dispose();
    }
  });

  describe('determinism check: the same rows three times, the later ones with the clock moved', () => {
    async function check(code: string) {
      const sandbox = await sandboxOf('coin', code);
      try {
        sandbox.checkDeterministic(batch, schema.columns, 2);
      } finally {
        sandbox.dispose();
      }
    }
    it.each([
      ['Math.random', `(row) => Math.random() < 0.5 ? 1 : 0`],
      ['Date.now', `(row) => Date.now() % 2`],
      ['new Date() (the year)', `(row) => new Date().getFullYear() % 2`],
      ['Date() as text (the second)', `(row) => Number(Date().split(':')[2].slice(0, 2)) % 2`],
      ['new Date() (the month)', `(row) => new Date().getMonth() % 2`],
      ['state kept between rows', `(row) => { globalThis.seen = (globalThis.seen ?? 0) + 1; return globalThis.seen > 150 ? 1 : 0; }`],
    ])('flags an LF that reads %s as CUSTOM_LF_NONDETERMINISTIC, naming it', async (_, code) => {
      await expect(check(code)).rejects.toMatchObject({ code: 'CUSTOM_LF_NONDETERMINISTIC', lf: 'coin', message: expect.stringContaining('Custom LF "coin"') });
    });
    it('passes a deterministic LF, including one that reads the row\'s own timestamp and memoizes', async () => {
      await expect(check(`(row) => { const cache = (globalThis.cache ??= new Map()); const key = row.at.getTime();
        if (!cache.has(key)) cache.set(key, row.at.getUTCDate() % 2); return cache.get(key); }`)).resolves.toBeUndefined();
    });
  });
});
