// The server sandbox for approved custom LFs: QuickJS compiled to WebAssembly (quickjs-emscripten). The LF sees
// plain ECMAScript and nothing else — no fetch, no require, no process, no file system, no timers, no tokens —
// and runs under a time limit per batch of rows and a memory limit. Rows go in as JSON, a batch at a time
// (one boundary crossing per batch, not per row); votes come back the same way.
import { getQuickJS, shouldInterruptAfterDeadline, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import type { ColumnBatch } from '../../shared/lf/column-batch.ts';
import { ABSTAIN, type AssetColumn } from '../../shared/lf/types.ts';

export interface SandboxLimits {
  /** Wall-clock budget of one batch of rows; an LF that takes longer is stopped. */
  batchTimeoutMs: number;
  /** Heap of the LF's runtime. */
  memoryBytes: number;
  /** Rows per batch. */
  batchRows: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { batchTimeoutMs: 2_000, memoryBytes: 64 * 1024 * 1024, batchRows: 2_000 };

export type CustomLfErrorCode = 'CUSTOM_LF_TIMEOUT' | 'CUSTOM_LF_MEMORY' | 'CUSTOM_LF_COMPILE' | 'CUSTOM_LF_THREW';

/** A custom LF that could not run to the end; names the LF and says what stopped it. */
export class CustomLfError extends Error {
  readonly code: CustomLfErrorCode;
  readonly lf: string;
  constructor(code: CustomLfErrorCode, lf: string, message: string) {
    super(`Custom LF "${lf}": ${message}`);
    this.name = 'CustomLfError';
    this.code = code;
    this.lf = lf;
  }
}

export interface CustomLfRun {
  votes: Int8Array | Int16Array;
  /** Rows on which the LF threw (they abstain), and the first message. */
  errors: number;
  firstError?: string;
}

/** TypeScript → JavaScript, types stripped only; the function must be an expression once parenthesised. */
async function toJavaScript(lf: string, code: string): Promise<string> {
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None, removeComments: true },
    reportDiagnostics: true,
  });
  const problem = out.diagnostics?.[0];
  if (problem) throw new CustomLfError('CUSTOM_LF_COMPILE', lf, `does not compile: ${ts.flattenDiagnosticMessageText(problem.messageText, ' ')}`);
  return out.outputText.trim().replace(/;$/, '').replace(/^"use strict";\s*/, '');
}

// The harness inside the sandbox. Rows are frozen objects typed as rowTypeSource() promises (timestamps as Date);
// a throw on a row is that row's abstain; running out of time or memory ends the whole call.
const HARNESS = `
const ABSTAIN = ${ABSTAIN};
globalThis.__reefRun = function (json) {
  const input = JSON.parse(json);
  const names = input.names, dates = input.dates, cols = input.columns, n = input.n, k = input.k;
  const votes = new Array(n);
  let errors = 0, first = null;
  for (let i = 0; i < n; i++) {
    const row = {};
    for (let c = 0; c < names.length; c++) {
      const v = cols[c][i];
      row[names[c]] = v !== null && dates[c] ? new Date(v) : v;
    }
    Object.freeze(row);
    try {
      const r = __reefLf(row);
      votes[i] = typeof r === 'number' && Number.isInteger(r) && r >= 0 && r < k ? r : ABSTAIN;
    } catch (e) {
      // Out of memory ends the call: QuickJS throws it as an InternalError, or as null when even that fails.
      if (e === null || e === undefined) throw e;
      const message = String(e.message !== undefined ? (e.name ? e.name + ': ' : '') + e.message : e);
      if (message.indexOf('out of memory') !== -1) throw e;
      votes[i] = ABSTAIN;
      errors++;
      if (first === null) first = message;
    }
  }
  return JSON.stringify({ votes: votes, errors: errors, first: first });
};`;

export class CustomLfSandbox {
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly run: QuickJSHandle;
  private readonly lf: string;
  private readonly limits: SandboxLimits;

  private constructor(lf: string, runtime: QuickJSRuntime, context: QuickJSContext, run: QuickJSHandle, limits: SandboxLimits) {
    this.lf = lf;
    this.runtime = runtime;
    this.context = context;
    this.run = run;
    this.limits = limits;
  }

  static async create(lf: { name: string; code: string }, limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS): Promise<CustomLfSandbox> {
    const js = await toJavaScript(lf.name, lf.code);
    const quickjs = await getQuickJS();
    const runtime = quickjs.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    // Deep recursion in the LF must end as a QuickJS error, not overflow the host's stack.
    runtime.setMaxStackSize(256 * 1024);
    const context = runtime.newContext();
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + limits.batchTimeoutMs));
    const defined = context.evalCode(`const __reefLf = (${js});\nif (typeof __reefLf !== 'function') throw new TypeError('the code must be one function (row: Row) => number');\n${HARNESS}`);
    if (defined.error) {
      const message = describe(context.dump(defined.error));
      defined.error.dispose();
      context.dispose();
      runtime.dispose();
      throw new CustomLfError('CUSTOM_LF_COMPILE', lf.name, `cannot be loaded: ${message}`);
    }
    defined.value.dispose();
    const run = context.getProp(context.global, '__reefRun');
    return new CustomLfSandbox(lf.name, runtime, context, run, limits);
  }

  /** The LF's votes over every row of `batch`, reading `columns` (all of the asset's, as the Row type has them). */
  votes(batch: ColumnBatch, columns: AssetColumn[], k: number): CustomLfRun {
    const n = batch.length;
    const votes = k > 127 ? new Int16Array(n) : new Int8Array(n);
    let errors = 0;
    let firstError: string | undefined;
    for (let start = 0; start < n; start += this.limits.batchRows) {
      const end = Math.min(n, start + this.limits.batchRows);
      const input = JSON.stringify({
        n: end - start, k, names: columns.map((c) => c.name), dates: columns.map((c) => c.type === 'timestamp'),
        columns: columns.map((c) => columnSlice(batch, c, start, end)),
      });
      const deadline = Date.now() + this.limits.batchTimeoutMs;
      this.runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
      const arg = this.context.newString(input);
      const result = this.context.callFunction(this.run, this.context.undefined, arg);
      arg.dispose();
      if (result.error) {
        const dumped = this.context.dump(result.error);
        // QuickJS throws null when it runs out of memory while building the error itself.
        const message = dumped == null ? 'out of memory' : describe(dumped);
        result.error.dispose();
        if (/interrupted/i.test(message) || Date.now() >= deadline) {
          throw new CustomLfError('CUSTOM_LF_TIMEOUT', this.lf, `took longer than ${this.limits.batchTimeoutMs} ms on rows ${start}..${end - 1} and was stopped (an endless loop?).`);
        }
        if (/out of memory|stack overflow/i.test(message)) {
          throw new CustomLfError('CUSTOM_LF_MEMORY', this.lf, `went over its ${Math.round(this.limits.memoryBytes / 1048576)} MB memory limit on rows ${start}..${end - 1} and was stopped (${message}).`);
        }
        throw new CustomLfError('CUSTOM_LF_THREW', this.lf, `failed on rows ${start}..${end - 1}: ${message}`);
      }
      const out = JSON.parse(this.context.getString(result.value)) as { votes: number[]; errors: number; first: string | null };
      result.value.dispose();
      votes.set(out.votes, start);
      errors += out.errors;
      if (firstError === undefined && out.first !== null) firstError = out.first;
    }
    return { votes, errors, ...(firstError === undefined ? {} : { firstError }) };
  }

  dispose(): void {
    this.run.dispose();
    this.context.dispose();
    this.runtime.dispose();
  }
}

function describe(dumped: unknown): string {
  if (dumped && typeof dumped === 'object') {
    const e = dumped as { name?: string; message?: string };
    if (e.message !== undefined) return `${e.name ? `${e.name}: ` : ''}${e.message}`;
  }
  return String(dumped);
}

/** One column's rows [start, end) as JSON-ready values: timestamps as milliseconds, huge integers rounded. */
export function columnSlice(batch: ColumnBatch, column: AssetColumn, start: number, end: number): unknown[] {
  const col = batch.columns[column.name]!;
  const out: unknown[] = new Array(end - start);
  for (let i = start; i < end; i++) {
    if (col.nulls && col.nulls[i]) {
      out[i - start] = null;
      continue;
    }
    switch (col.type) {
      case 'string': out[i - start] = col.text.slice(col.offsets[i], col.offsets[i + 1]! - 1); break;
      case 'boolean': out[i - start] = col.values[i] === 1; break;
      case 'timestamp': out[i - start] = col.values[i]! / 1000; break;
      default: out[i - start] = Number(col.values[i]!);
    }
  }
  return out;
}
