// The server sandbox for approved custom LFs: QuickJS compiled to WebAssembly (quickjs-emscripten). The LF sees
// plain ECMAScript and nothing else — no fetch, no require, no process, no file system, no timers, no tokens —
// and runs under a time limit per batch of rows and a memory limit. Rows go in as JSON, a batch at a time (one
// boundary crossing per batch, not per row). This class is synchronous: it runs inside a worker thread
// (sandbox-thread.ts), never on the API's event loop.
//
// The LF shares its realm with the harness that calls it, so the harness trusts nothing the LF can reach after it
// starts: it is evaluated before the LF's code and captures the built-ins it uses; the LF is evaluated in its own
// scope (it cannot see the harness's variables) and nothing of the harness is left on the global object. Votes come
// back through an Int32Array the harness created before any LF code ran, which the host reads straight out of the
// sandbox's memory and checks against the concept's classes — overriding JSON.stringify, Array or Date changes
// nothing the host reads.
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
  /** Wall-clock budget of one LF over a whole training run; each unit of the run gets its share by rows. */
  runBudgetMs?: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { batchTimeoutMs: 2_000, memoryBytes: 64 * 1024 * 1024, batchRows: 2_000, runBudgetMs: 10 * 60_000 };

export type CustomLfErrorCode =
  | 'CUSTOM_LF_TIMEOUT' | 'CUSTOM_LF_BUDGET' | 'CUSTOM_LF_MEMORY' | 'CUSTOM_LF_COMPILE' | 'CUSTOM_LF_THREW'
  | 'CUSTOM_LF_BAD_VOTE' | 'CUSTOM_LF_NONDETERMINISTIC' | 'CUSTOM_LF_CRASHED';

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
  /** Rows on which the LF returned something other than ABSTAIN or a class 0..k-1 (they abstain), and the first value. */
  invalid: number;
  firstInvalid?: string;
}

/** Rows the determinism check runs twice. */
export const DETERMINISM_SAMPLE_ROWS = 200;
// The later passes of the check see the clock moved, so a vote that reads the time (Date.now(), new Date())
// differs: by 365 days 3 h 7 min 11.013 s (the year, hour, minute, second and millisecond all move by an odd
// amount), then by 45 days 13 h (the month and day of the month move too).
const DAY_MS = 86_400_000;
const CLOCK_SHIFTS_MS = [365 * DAY_MS + ((3 * 60 + 7) * 60 + 11) * 1000 + 13, 45 * DAY_MS + 13 * 3_600_000];

// The harness: an expression evaluated before the LF's code, giving [bind, votesBuffer]. bind(lf) gives the
// function the host calls per batch. Rows are frozen objects typed as rowTypeSource() promises (timestamps as
// Date); a throw on a row is that row's abstain; running out of time or memory ends the whole call. It writes row
// i's vote to out[i] and the batch's counts of throws and invalid returns after the last row slot.
const harness = (rows: number) => `(function () {
  'use strict';
  const ABSTAIN = ${ABSTAIN}, ROWS = ${rows};
  const parse = JSON.parse, freeze = Object.freeze, isInteger = Number.isInteger, toText = String;
  const apply = Reflect.apply, construct = Reflect.construct, indexOf = String.prototype.indexOf;
  const RealDate = Date, now = Date.now, global = globalThis;
  const buffer = new ArrayBuffer(4 * (ROWS + 2));
  const out = new Int32Array(buffer);
  Object.defineProperty(global, 'ABSTAIN', { value: ABSTAIN, writable: false, configurable: false });
  function shiftedDate(offset) {
    const D = function (a, b, c, d, e, f, g) {
      const n = arguments.length;
      if (new.target === undefined) return toText(construct(RealDate, [now() + offset]));
      const args = n === 0 ? [now() + offset] : n === 1 ? [a] : n === 2 ? [a, b] : n === 3 ? [a, b, c] : n === 4 ? [a, b, c, d] : n === 5 ? [a, b, c, d, e] : n === 6 ? [a, b, c, d, e, f] : [a, b, c, d, e, f, g];
      return construct(RealDate, args, new.target);
    };
    D.prototype = RealDate.prototype;
    D.now = function () { return now() + offset; };
    D.UTC = RealDate.UTC;
    D.parse = RealDate.parse;
    return D;
  }
  function describe(e) {
    try {
      return toText(e.message !== undefined ? (e.name ? e.name + ': ' : '') + e.message : e);
    } catch (_) {
      return 'a thrown value that cannot be turned into text';
    }
  }
  function bind(lf) {
    return function run(json, k, clockOffset) {
      const input = parse(json);
      const names = input.names, dates = input.dates, cols = input.columns, n = input.n;
      let errors = 0, invalid = 0, firstError = null, firstInvalid;
      if (clockOffset !== 0) global.Date = shiftedDate(clockOffset);
      try {
        for (let i = 0; i < n; i++) {
          const row = {};
          for (let c = 0; c < names.length; c++) {
            const v = cols[c][i];
            row[names[c]] = v !== null && dates[c] ? new RealDate(v) : v;
          }
          freeze(row);
          let vote = ABSTAIN;
          try {
            const r = lf(row);
            if (r === ABSTAIN || (typeof r === 'number' && isInteger(r) && r >= 0 && r < k)) vote = r;
            else if (invalid++ === 0) firstInvalid = r;
          } catch (e) {
            // Out of memory ends the call: QuickJS throws it as an InternalError, or as null when even that fails.
            if (e === null || e === undefined) throw e;
            const message = describe(e);
            if (apply(indexOf, message, ['out of memory']) !== -1) throw e;
            if (errors++ === 0) firstError = message;
          }
          out[i] = vote;
        }
      } finally {
        if (clockOffset !== 0) global.Date = RealDate;
      }
      out[ROWS] = errors;
      out[ROWS + 1] = invalid;
      return [firstError, firstInvalid];
    };
  }
  return [bind, buffer];
})()`;

/** The votes of rows [start, end) as the harness wrote them, and what went wrong on them. */
interface RangeRun { votes: Int32Array; errors: number; firstError?: string; invalid: number; firstInvalid?: string }

export class CustomLfSandbox {
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  private readonly run: QuickJSHandle;
  private readonly votesBuffer: QuickJSHandle;
  private readonly lf: string;
  private readonly limits: SandboxLimits;

  private constructor(lf: string, runtime: QuickJSRuntime, context: QuickJSContext, run: QuickJSHandle, votesBuffer: QuickJSHandle, limits: SandboxLimits) {
    this.lf = lf;
    this.runtime = runtime;
    this.context = context;
    this.run = run;
    this.votesBuffer = votesBuffer;
    this.limits = limits;
  }

  /** A sandbox running `js`, the LF as customLfJavaScript() (security/custom-lf-check.ts) gives it. */
  static async create(lf: { name: string; js: string }, limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS): Promise<CustomLfSandbox> {
    const { js } = lf;
    const quickjs = await getQuickJS();
    const runtime = quickjs.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    // Deep recursion in the LF must end as a QuickJS error, not overflow the host's stack.
    runtime.setMaxStackSize(256 * 1024);
    const context = runtime.newContext();
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + limits.batchTimeoutMs));
    const handles: QuickJSHandle[] = [];
    const fail = (message: string): never => {
      for (const h of handles) h.dispose();
      context.dispose();
      runtime.dispose();
      throw new CustomLfError('CUSTOM_LF_COMPILE', lf.name, `cannot be loaded: ${message}`);
    };
    const evaluate = (code: string): QuickJSHandle => {
      const result = context.evalCode(code);
      if (!result.error) return handles[handles.push(result.value) - 1]!;
      const message = describe(context.dump(result.error));
      result.error.dispose();
      return fail(message);
    };
    const parts = evaluate(harness(limits.batchRows));
    const fn = evaluate(`(${js})`);
    if (context.typeof(fn) !== 'function') fail('the code must be one function (row: Row) => number');
    const bind = handles[handles.push(context.getProp(parts, 0)) - 1]!;
    const votesBuffer = context.getProp(parts, 1);
    const bound = context.callFunction(bind, context.undefined, fn);
    for (const h of handles) h.dispose();
    if (bound.error) {
      bound.error.dispose();
      votesBuffer.dispose();
      return fail('the sandbox harness could not start');
    }
    return new CustomLfSandbox(lf.name, runtime, context, bound.value, votesBuffer, limits);
  }

  /** The LF's votes over every row of `batch`, reading `columns` (all of the asset's, as the Row type has them). */
  votes(batch: ColumnBatch, columns: AssetColumn[], k: number): CustomLfRun {
    const n = batch.length;
    const votes = k > 127 ? new Int16Array(n) : new Int8Array(n);
    let errors = 0, invalid = 0;
    let firstError: string | undefined, firstInvalid: string | undefined;
    for (let start = 0; start < n; start += this.limits.batchRows) {
      const end = Math.min(n, start + this.limits.batchRows);
      const range = this.runRange(batch, columns, k, start, end, 0);
      votes.set(range.votes, start);
      errors += range.errors;
      invalid += range.invalid;
      firstError ??= range.firstError;
      firstInvalid ??= range.firstInvalid;
    }
    return {
      votes, errors, invalid,
      ...(firstError === undefined ? {} : { firstError }), ...(firstInvalid === undefined ? {} : { firstInvalid }),
    };
  }

  /**
   * Runs the LF on the first rows of `batch` again and again, the later times with the clock moved, and refuses it
   * when any vote differs: the same row must get the same vote, or a re-run of a training run would not give the
   * same numbers (Math.random, Date.now, state kept between rows).
   */
  checkDeterministic(batch: ColumnBatch, columns: AssetColumn[], k: number, sampleRows = DETERMINISM_SAMPLE_ROWS): void {
    const end = Math.min(batch.length, sampleRows, this.limits.batchRows);
    if (end === 0) return;
    const first = this.runRange(batch, columns, k, 0, end, 0).votes;
    for (const shift of [0, ...CLOCK_SHIFTS_MS]) {
      const again = this.runRange(batch, columns, k, 0, end, shift).votes;
      const row = first.findIndex((v, i) => v !== again[i]);
      if (row === -1) continue;
      throw new CustomLfError('CUSTOM_LF_NONDETERMINISTIC', this.lf,
        `gave different votes when run again on the same ${end} rows (row ${row}: ${first[row]}, then ${again[row]}). ` +
        'A vote must depend only on the row: no Math.random(), no Date.now() or new Date(), no state kept between rows.');
    }
  }

  private runRange(batch: ColumnBatch, columns: AssetColumn[], k: number, start: number, end: number, clockOffset: number): RangeRun {
    const { context } = this;
    const input = JSON.stringify({
      n: end - start, names: columns.map((c) => c.name), dates: columns.map((c) => c.type === 'timestamp'),
      columns: columns.map((c) => columnSlice(batch, c, start, end)),
    });
    const deadline = Date.now() + this.limits.batchTimeoutMs;
    this.runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
    const args = [context.newString(input), context.newNumber(k), context.newNumber(clockOffset)];
    const result = context.callFunction(this.run, context.undefined, args);
    for (const a of args) a.dispose();
    if (result.error) {
      const dumped = context.dump(result.error);
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
    const n = end - start;
    const written = context.getArrayBuffer(this.votesBuffer).consume((bytes) => new Int32Array(bytes.value.slice().buffer));
    const votes = written.subarray(0, n);
    for (let i = 0; i < n; i++) {
      const v = votes[i]!;
      if (v < ABSTAIN || v >= k) {
        result.value.dispose();
        throw new CustomLfError('CUSTOM_LF_BAD_VOTE', this.lf, `its sandbox handed back vote ${v} on row ${start + i}, outside ABSTAIN (-1) and the concept's classes 0..${k - 1}; its votes cannot be trusted.`);
      }
    }
    const errors = written[this.limits.batchRows]!;
    const invalid = written[this.limits.batchRows + 1]!;
    const firstError = errors > 0 ? describeValue(context, result.value, 0) : undefined;
    const firstInvalid = invalid > 0 ? describeValue(context, result.value, 1) : undefined;
    result.value.dispose();
    return {
      votes, errors, invalid,
      ...(firstError === undefined ? {} : { firstError }), ...(firstInvalid === undefined ? {} : { firstInvalid }),
    };
  }

  dispose(): void {
    this.run.dispose();
    this.votesBuffer.dispose();
    this.context.dispose();
    this.runtime.dispose();
  }
}

/**
 * Element i of the harness's result array as text, read on the host without running any of the LF's code (no
 * toString): the first error message (a string) or the first invalid return value (anything).
 */
function describeValue(context: QuickJSContext, result: QuickJSHandle, i: number): string {
  return context.getProp(result, i).consume((h) => {
    const type = context.typeof(h);
    if (type === 'number') return String(context.getNumber(h));
    if (type === 'string') return i === 0 ? context.getString(h) : JSON.stringify(context.getString(h).slice(0, 40));
    if (type === 'boolean' || type === 'undefined') return String(context.dump(h));
    return `a value of type ${type}`;
  });
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
