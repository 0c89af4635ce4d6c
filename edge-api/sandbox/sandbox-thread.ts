// Runs a custom LF off the calling thread: the LF is checked and turned into JavaScript here (the TypeScript
// compiler takes over a second to load: once per process, not once per thread), then a worker thread
// (sandbox.worker.ts) checks that it votes the same twice and runs it over the rows in QuickJS. The thread enforces
// the LF's total time budget: QuickJS stops a batch that runs over its own limit, and a thread that runs past the
// budget is terminated, whatever it is doing. Threads are reused (starting one takes a few hundred ms).
import { Worker } from 'node:worker_threads';
import type { ColumnBatch } from '../../shared/lf/column-batch.ts';
import type { AssetColumn } from '../../shared/lf/types.ts';
import { customLfJavaScript } from '../security/custom-lf-check.ts';
import { CustomLfError, DEFAULT_SANDBOX_LIMITS, type CustomLfErrorCode, type CustomLfRun, type SandboxLimits } from './sandbox.ts';

export interface SandboxRequest {
  lf: { name: string; js: string };
  limits: SandboxLimits;
  batch: ColumnBatch;
  columns: AssetColumn[];
  k: number;
}

export type SandboxReply =
  | { ok: true; run: CustomLfRun }
  | { ok: false; error: { code: CustomLfErrorCode; lf: string; message: string } };

/** A budget under this would be mostly the thread's start-up (about 100 ms). */
const MIN_UNIT_BUDGET_MS = 2_000;

/**
 * The wall-clock budget of one LF on a unit holding `share` (0..1] of the run's rows: its share of the run's
 * budget, so the units of a run add up to the run's budget (but never less than the thread needs to start).
 */
export function unitBudgetMs(limits: SandboxLimits, share: number): number {
  const run = limits.runBudgetMs ?? DEFAULT_SANDBOX_LIMITS.runBudgetMs!;
  return Math.max(Math.min(run, MIN_UNIT_BUDGET_MS), Math.round(run * Math.min(1, Math.max(0, share))));
}

/** The custom LF's votes on `batch`, computed on a worker thread within `budgetMs`; failures are CustomLfErrors naming it. */
export function customLfVotes(
  lf: { name: string; code: string }, batch: ColumnBatch, columns: AssetColumn[], k: number,
  limits: SandboxLimits, budgetMs: number,
): Promise<CustomLfRun> {
  const compiled = customLfJavaScript(lf.code);
  if (!compiled.ok) return Promise.reject(new CustomLfError('CUSTOM_LF_COMPILE', lf.name, `cannot be loaded: ${compiled.message.replace(/^Custom LF: /, '')}`));
  const request: SandboxRequest = { lf: { name: lf.name, js: compiled.js }, limits, batch, columns, k };
  const worker = idleThreads.pop() ?? new Worker(new URL('./sandbox.worker.ts', import.meta.url));
  worker.ref();
  return new Promise<CustomLfRun>((resolve, reject) => {
    const settle = (keep: boolean, outcome: () => void) => {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (keep && idleThreads.length < MAX_IDLE_THREADS) {
        worker.unref();
        idleThreads.push(worker);
      } else {
        void worker.terminate();
      }
      outcome();
    };
    const onMessage = (reply: SandboxReply) => settle(true, () => {
      if (reply.ok) resolve(reply.run);
      else reject(new CustomLfError(reply.error.code, reply.error.lf, reply.error.message.replace(`Custom LF "${reply.error.lf}": `, '')));
    });
    const onError = (err: Error) => settle(false, () => reject(new CustomLfError('CUSTOM_LF_CRASHED', lf.name, `its sandbox thread stopped: ${err.message}`)));
    const onExit = (code: number) => settle(false, () => reject(new CustomLfError('CUSTOM_LF_CRASHED', lf.name, `its sandbox thread exited (code ${code}) without an answer.`)));
    const timer = setTimeout(() => settle(false, () => reject(new CustomLfError('CUSTOM_LF_BUDGET', lf.name,
      `used up its time budget of ${formatMs(budgetMs)} on ${batch.length} rows and was stopped; make it faster, or raise the budget (REEF_CUSTOM_LF_BUDGET_S, per LF per run).`))), budgetMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(request);
  });
}

/** Threads waiting for the next LF; unref'd, so they never keep the process alive. */
const idleThreads: Worker[] = [];
const MAX_IDLE_THREADS = 2;

const formatMs = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);
