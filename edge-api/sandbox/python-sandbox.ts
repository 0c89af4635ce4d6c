// The server sandbox for approved Python LFs: Pyodide (CPython compiled to WebAssembly) in a child process that
// Node's permission model confines to reading Pyodide's own files (python-sandbox-child.ts). Limits are the ones
// TypeScript LFs have: a wall-clock budget per batch of rows and a memory budget (the child's resident memory above
// what Pyodide itself needs), enforced from here by killing the child. Errors are CustomLfErrors naming the LF.
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColumnBatch } from '../../shared/lf/column-batch.ts';
import { pythonClassConstants } from '../../shared/lf/python.ts';
import type { AssetColumn } from '../../shared/lf/types.ts';
import { columnSlice, CustomLfError, DEFAULT_SANDBOX_LIMITS, type CustomLfRun, type SandboxLimits } from './sandbox.ts';

/** The files the child may read (resolved when first needed: bundles without a file system import this module too). */
function childFiles() {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));
  const child = file('./python-sandbox-child.ts');
  return {
    here, child,
    readable: [dirname(createRequire(import.meta.url).resolve('pyodide')), child, file('../../shared/lf/python.ts'), file('../../shared/lf/types.ts'), file('../../package.json')],
  };
}

/** Starting Pyodide (compiling its WebAssembly, unpacking the standard library) takes a second or two. */
const PYODIDE_STARTUP_MS = 60_000;

export interface PythonLf {
  name: string;
  code: string;
  allowedImports: readonly string[];
  classes: readonly string[];
}

type Reply =
  | { type: 'ready' }
  | { type: 'loaded'; problem: string | null }
  | { type: 'votes'; votes: Int16Array; errors: number; first: string | null; invalid: number; firstInvalid: string | null }
  | { type: 'failed'; message: string };

export class PythonLfSandbox {
  private readonly child: ChildProcess;
  private readonly lf: string;
  private readonly limits: SandboxLimits;
  /** Pyodide's own resident memory, measured once it has started: the LF's budget counts from here. */
  private baselineRss = 0;

  private constructor(child: ChildProcess, lf: string, limits: SandboxLimits) {
    this.child = child;
    this.lf = lf;
    this.limits = limits;
  }

  static async create(lf: PythonLf, limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS): Promise<PythonLfSandbox> {
    const files = childFiles();
    const child = fork(files.child, [], {
      cwd: files.here,
      env: {},
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [
        '--permission', ...files.readable.map((p) => `--allow-fs-read=${p}`),
        '--disallow-code-generation-from-strings', '--max-old-space-size=256', '--no-warnings',
      ],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
    const sandbox = new PythonLfSandbox(child, lf.name, limits);
    try {
      await sandbox.reply('ready', PYODIDE_STARTUP_MS, null, () => `Pyodide did not start: ${stderr.trim().split('\n').at(-1) ?? 'no message'}`);
      sandbox.baselineRss = await residentBytes(child.pid!);
      const loaded = await sandbox.request({ type: 'load', code: lf.code, constants: pythonClassConstants(lf.classes), allowedImports: [...lf.allowedImports] }, 'loaded', 'loading');
      if (loaded.problem !== null) throw new CustomLfError('CUSTOM_LF_COMPILE', lf.name, `cannot be loaded: ${loaded.problem}`);
      return sandbox;
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
  }

  /** The LF's votes over every row of `batch`, reading `columns` (all of the asset's). */
  async votes(batch: ColumnBatch, columns: AssetColumn[], k: number): Promise<CustomLfRun> {
    const n = batch.length;
    const votes = k > 127 ? new Int16Array(n) : new Int8Array(n);
    let errors = 0;
    let invalid = 0;
    let firstError: string | undefined;
    let firstInvalid: string | undefined;
    for (let start = 0; start < n; start += this.limits.batchRows) {
      const end = Math.min(n, start + this.limits.batchRows);
      const json = JSON.stringify({
        n: end - start, names: columns.map((c) => c.name), dates: columns.map((c) => c.type === 'timestamp'),
        columns: columns.map((c) => columnSlice(batch, c, start, end)),
      });
      const out = await this.request({ type: 'run', batch: json, k }, 'votes', `rows ${start}..${end - 1}`);
      votes.set(out.votes, start);
      errors += out.errors;
      invalid += out.invalid;
      if (firstError === undefined && out.first !== null) firstError = out.first;
      if (firstInvalid === undefined && out.firstInvalid !== null) firstInvalid = out.firstInvalid;
    }
    return { votes, errors, invalid, ...(firstError === undefined ? {} : { firstError }), ...(firstInvalid === undefined ? {} : { firstInvalid }) };
  }

  dispose(): void {
    this.child.kill('SIGKILL');
  }

  private request<T extends Reply['type']>(message: object, expect: T, what: string): Promise<Extract<Reply, { type: T }>> {
    this.child.send(message);
    return this.reply(expect, this.limits.batchTimeoutMs, what, () => `took longer than ${this.limits.batchTimeoutMs} ms on ${what} and was stopped (an endless loop?).`);
  }

  /** The child's next message, or a CustomLfError when it overruns its time or memory, fails, or dies. */
  private reply<T extends Reply['type']>(expect: T, timeoutMs: number, what: string | null, late: () => string): Promise<Extract<Reply, { type: T }>> {
    const { child, lf } = this;
    return new Promise((resolve, reject) => {
      const finish = (err: Error | null, value?: Extract<Reply, { type: T }>) => {
        clearTimeout(timer);
        clearInterval(watch);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err) {
          child.kill('SIGKILL');
          reject(err);
        } else resolve(value!);
      };
      const onMessage = (reply: Reply) => {
        if (reply.type === expect) finish(null, reply as Extract<Reply, { type: T }>);
        else if (reply.type === 'failed') finish(new CustomLfError(what === 'loading' ? 'CUSTOM_LF_COMPILE' : 'CUSTOM_LF_THREW', lf, `failed on ${what}: ${reply.message}`));
      };
      const onExit = () => finish(new CustomLfError('CUSTOM_LF_MEMORY', lf, `its Python process stopped on ${what ?? 'start'} (out of memory?).`));
      const timer = setTimeout(() => finish(new CustomLfError('CUSTOM_LF_TIMEOUT', lf, late())), timeoutMs);
      // Memory: resident bytes above Pyodide's own, sampled while the LF runs.
      const watch = setInterval(() => {
        if (!this.baselineRss) return;
        residentBytes(child.pid!).then((rss) => {
          if (rss - this.baselineRss > this.limits.memoryBytes) {
            finish(new CustomLfError('CUSTOM_LF_MEMORY', lf, `went over its ${Math.round(this.limits.memoryBytes / 1048576)} MB memory limit on ${what} and was stopped.`));
          }
        }, () => {});
      }, 50);
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}

/** A process's resident set size, from /proc (Linux, where Reef's server runs). */
async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}
