import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from '../../shared/lf/column-batch.ts';
import type { AssetSchema } from '../../shared/lf/types.ts';
import { CustomLfSandbox } from './sandbox.ts';

const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }, { name: 'at', type: 'timestamp' }] };
const rows = Array.from({ length: 5000 }, (_, i) => ({
  text: i % 3 === 0 ? `check out http://spam.example/${i}` : i % 7 === 0 ? null : `nice song ${i}`,
  likes: i % 10, at: new Date(Date.UTC(2024, 0, 1 + (i % 30))),
}));
const batch = columnBatchFromRows(schema, rows);
const limits = { batchTimeoutMs: 5_000, memoryBytes: 16 * 1024 * 1024, batchRows: 1000 };

async function votesOf(code: string, limitsOf = limits) {
  const sandbox = await CustomLfSandbox.create({ name: 'lf', code }, limitsOf);
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

  it('counts a throw as that row\'s abstain and reports it; out-of-range returns abstain silently', async () => {
    const run = await votesOf(`function lf(row) { if (row.likes === 3) throw new Error('bad row'); return row.likes === 4 ? 7 : 1; }`);
    expect(run.errors).toBe(500);
    expect(run.firstError).toBe('Error: bad row');
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
});
