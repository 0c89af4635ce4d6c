import { describe, expect, it } from 'vitest';
import { columnBatchFromRows } from '../../shared/lf/column-batch.ts';
import type { AssetSchema } from '../../shared/lf/types.ts';
import { customLfVotes, unitBudgetMs } from './sandbox-thread.ts';

const schema: AssetSchema = { columns: [{ name: 'text', type: 'string' }, { name: 'likes', type: 'integer' }] };
const rows = Array.from({ length: 20_000 }, (_, i) => ({ text: i % 3 === 0 ? `http://spam.example/${i}` : `nice song ${i}`, likes: i % 10 }));
const batch = columnBatchFromRows(schema, rows);
const limits = { batchTimeoutMs: 2_000, memoryBytes: 32 * 1024 * 1024, batchRows: 2_000 };

/** The longest gap between ticks of a 5 ms timer on this thread while `work` runs. */
async function longestStall<T>(work: Promise<T>): Promise<{ stallMs: number; outcome: PromiseSettledResult<T> }> {
  let last = performance.now();
  let stallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  const [outcome] = await Promise.allSettled([work]);
  clearInterval(tick);
  return { stallMs, outcome: outcome! };
}

describe('custom LFs on a worker thread', () => {
  it('gives the votes the LF returns, from a thread of its own', async () => {
    const run = await customLfVotes({ name: 'links', code: `(row: Row) => row.text!.startsWith('http') ? 1 : ABSTAIN` }, batch, schema.columns, 2, limits, 30_000);
    expect(Array.from(run.votes)).toEqual(rows.map((r) => (r.text.startsWith('http') ? 1 : -1)));
    expect(run).toMatchObject({ errors: 0, invalid: 0 });
  });

  it('keeps this thread\'s event loop free while an LF busy-waits under the per-batch limit, and stops it at its total budget, naming it', async () => {
    // About 1 ms a row: each batch of 2,000 rows stays under its per-batch limit (raised to 10 s here, so a machine
    // busy with other tests still reaches the total budget first), the 20,000 rows would take ~20 s.
    const busy = `(row) => { const until = Date.now() + 1; while (Date.now() < until) {} return 1; }`;
    const started = Date.now();
    const { stallMs, outcome } = await longestStall(customLfVotes({ name: 'busy_wait', code: busy }, batch, schema.columns, 2, { ...limits, batchTimeoutMs: 10_000 }, 3_000));
    const elapsed = Date.now() - started;
    expect(outcome.status).toBe('rejected');
    const err = (outcome as PromiseRejectedResult).reason;
    expect(err).toMatchObject({ code: 'CUSTOM_LF_BUDGET', lf: 'busy_wait' });
    expect(err.message).toMatch(/^Custom LF "busy_wait": used up its time budget of 3000 ms on 20000 rows/);
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(elapsed).toBeLessThan(6_000);
    // On this thread one batch would block it ~2,000 ms (2,000 rows × 1 ms); a shared, busy machine delays a timer
    // by up to ~150 ms (seen in CI), so the bound sits between the two.
    expect(stallMs).toBeLessThan(1_000);
  });

  it('refuses an LF that votes at random (CUSTOM_LF_NONDETERMINISTIC), naming it', async () => {
    await expect(customLfVotes({ name: 'coin_flip', code: `(row) => Math.random() < 0.5 ? 1 : 0` }, batch, schema.columns, 2, limits, 30_000))
      .rejects.toMatchObject({ code: 'CUSTOM_LF_NONDETERMINISTIC', lf: 'coin_flip', message: expect.stringMatching(/^Custom LF "coin_flip": gave different votes/) });
  });

  it('hands back the sandbox\'s own errors with their code and the LF\'s name', async () => {
    await expect(customLfVotes({ name: 'spins', code: `(row) => { while (true) {} }` }, batch, schema.columns, 2, { ...limits, batchTimeoutMs: 200 }, 30_000))
      .rejects.toMatchObject({ code: 'CUSTOM_LF_TIMEOUT', lf: 'spins', message: expect.stringMatching(/^Custom LF "spins": took longer than 200 ms/) });
  });

  it('gives each unit its share of the run\'s budget, never less than the thread needs to start', () => {
    const run = { ...limits, runBudgetMs: 600_000 };
    expect(unitBudgetMs(run, 1)).toBe(600_000);
    expect(unitBudgetMs(run, 0.25)).toBe(150_000);
    expect(unitBudgetMs(run, 0.000_001)).toBe(2_000);
    expect(unitBudgetMs({ ...limits, runBudgetMs: 500 }, 0.1)).toBe(500);
  });
});
