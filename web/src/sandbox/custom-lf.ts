// Custom LF code never runs with the app's origin. It runs in a worker started by an opaque-origin iframe
// (sandbox="allow-scripts", no allow-same-origin) whose CSP forbids every network request: the code cannot
// read the token, the app's DOM or storage, or send anything anywhere. The iframe stops the worker when it
// overruns its time, so an infinite loop is reported on its cell instead of freezing the tab.
// The samples' rows go from the data worker to the sandbox's worker over a MessagePort, never through the page's
// main thread (a million rows serialized there were a long task); the data worker only sends on that port.
import * as Comlink from 'comlink';
import { customVote } from '../../../shared/lf/custom.ts';
import { PYODIDE_PATH, PYTHON_HARNESS, pythonClassConstants } from '../../../shared/lf/python.ts';
import { dataWorker } from '../studio/workers.ts';
import type { PythonJob, PythonReply, SandboxFailure, SandboxLanguage, SandboxRequest, TypeScriptJob, TypeScriptReply } from './sandbox-protocol.ts';

export type CustomLfOutcome =
  | { votes: Int8Array; ms: number; rowErrors: number; firstError: string }
  | { code: 'TYPE_ERROR' | SandboxFailure['error']; message: string };

/**
 * How long a run may take before the sandbox stops it as an endless loop: 5 s, or 50 µs a row when that is more,
 * so an honest LF over a million rows (a few µs a row) is not mistaken for one, and a loop still stops within a minute.
 */
export function timeLimitMs(rows: number): number {
  return Math.max(5000, Math.ceil(rows * 0.05));
}

// The worker's program, as text (it is loaded from a blob URL inside the sandbox). It returns each row's raw
// numeric result (NaN for anything else or a throw); the app turns those into votes with shared/lf's customVote,
// so a return value means the same here as on the server.
const runnerSource = `
onmessage = (e) => {
  const rows = e.ports[0];
  rows.onmessage = (m) => { rows.close(); run(e.data, m.data.columns); };
};
const run = ({ js, n }, columns) => {
  let fn;
  try {
    // eval gives the script's last expression: the function, whatever prologue ("use strict") the emit put first.
    fn = new Function('ABSTAIN', 'js', '"use strict"; return eval(js);')(-1, js);
    if (typeof fn !== 'function') throw new Error('the code must be one function of a row, e.g. (row: Row) => ABSTAIN');
  } catch (err) {
    postMessage({ error: 'THROWS', message: String(err && err.message || err) });
    return;
  }
  const names = Object.keys(columns);
  const returned = new Float64Array(n);
  let rowErrors = 0, firstError = '';
  for (let i = 0; i < n; i++) {
    const row = {};
    for (const name of names) row[name] = columns[name][i];
    try { const r = fn(row); returned[i] = typeof r === 'number' ? r : NaN; }
    catch (err) { returned[i] = NaN; if (!rowErrors++) firstError = 'row ' + i + ': ' + String(err && err.message || err); }
  }
  if (rowErrors === n && n > 0) postMessage({ error: 'THROWS', message: 'It threw on every row; the first: ' + firstError });
  else postMessage({ returned, rowErrors, firstError }, [returned.buffer]);
};`;

// The Python worker's program: Pyodide, loaded once from Reef's own /pyodide/ (no CDN, no network beyond it), runs
// shared/lf/python.ts's harness, the same one the server runs, so both give the same votes. Its `js` module is an
// empty object. A classic worker (importScripts): the module form did not start inside the opaque-origin,
// cross-origin-isolated sandbox. It stays loaded between runs (starting Pyodide takes seconds) until a run overruns its time.
const pythonRunnerSource = `
let ready;
onmessage = async (e) => {
  const { indexURL, harness, code, constants, allowedImports, k } = e.data;
  const rows = e.ports[0];
  const batch = new Promise((resolve) => { rows.onmessage = (m) => { rows.close(); resolve(m.data.batch); }; });
  try {
    ready ??= (async () => {
      importScripts(indexURL + 'pyodide.js');
      const py = await self.loadPyodide({ indexURL, jsglobals: {}, stdout: () => {}, stderr: () => {} });
      py.runPython(harness);
      return { load: py.globals.get('__reef_load'), run: py.globals.get('__reef_run') };
    })();
    const { load, run } = await ready;
    postMessage({ started: true });
    const problem = load(code, JSON.stringify(constants), JSON.stringify(allowedImports));
    if (problem) { postMessage({ error: 'THROWS', message: problem }); return; }
    const result = run(await batch, k);
    const [bytes, rowErrors, first] = result.toJs(); // (the invalid-return count is the server's report)
    result.destroy();
    const votes = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2).slice();
    postMessage({ votes, rowErrors, firstError: first || '' }, [votes.buffer]);
  } catch (err) {
    const message = String(err && err.message || err).split('\\n').filter(Boolean).pop();
    postMessage({ error: 'THROWS', message });
  }
};`;

/** Time to start Pyodide in the sandbox (fetch and compile its WebAssembly, unpack its standard library). */
const PYTHON_START_LIMIT_MS = 60_000;

// The sandbox page. Its CSP lets scripts and fetches reach only blob: workers and Reef's /pyodide/ files (the
// path is part of the source expression), and lets WebAssembly compile for Pyodide; nothing else goes out.
const sandboxHtml = (pyodideUrl: string) => `<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval' blob: ${pyodideUrl}; worker-src blob:; connect-src ${pyodideUrl}">
</head><body><script>
const workerUrl = URL.createObjectURL(new Blob([${JSON.stringify(runnerSource)}], { type: 'text/javascript' }));
const pythonUrl = URL.createObjectURL(new Blob([${JSON.stringify(pythonRunnerSource)}], { type: 'text/javascript' }));
let python;
onmessage = (e) => {
  const { id, timeLimitMs, job, language } = e.data;
  const rows = e.ports[0];
  const reply = (msg, transfer) => parent.postMessage({ id, ...msg }, '*', transfer || []);
  let worker;
  try {
    worker = language === 'python' ? (python ??= new Worker(pythonUrl)) : new Worker(workerUrl);
  } catch (err) { reply({ error: 'SANDBOX_FAILED', message: String(err) }); return; }
  const stop = () => { worker.terminate(); if (worker === python) python = undefined; };
  const done = () => { clearTimeout(timer); worker.onmessage = worker.onerror = null; if (worker !== python) worker.terminate(); };
  const overrun = (limitMs, what) => setTimeout(() => { stop(); reply({ error: 'TIMEOUT', message: what + ' longer than ' + limitMs / 1000 + ' s and was stopped.' }); }, limitMs);
  let timer = language === 'python' ? overrun(${PYTHON_START_LIMIT_MS}, 'Starting Python took') : overrun(timeLimitMs, 'It ran');
  worker.onmessage = (m) => {
    // Python's own clock starts once Pyodide is up.
    if (m.data.started) { clearTimeout(timer); timer = overrun(timeLimitMs, 'It ran (an endless loop?)'); return; }
    done();
    const out = m.data.returned || m.data.votes;
    reply(m.data, out ? [out.buffer] : []);
  };
  worker.onerror = (err) => { done(); stop(); reply({ error: language === 'python' ? 'SANDBOX_FAILED' : 'THROWS', message: err.message || (language === 'python' ? 'Python (Pyodide) could not start in the sandbox' : 'the code failed') }); };
  worker.postMessage(job, [rows]);
};
</script></body></html>`;

let frame: Promise<HTMLIFrameElement> | undefined;
function sandboxFrame(): Promise<HTMLIFrameElement> {
  frame ??= new Promise((resolve) => {
    const iframe = document.createElement('iframe');
    iframe.sandbox.add('allow-scripts');
    iframe.style.display = 'none';
    iframe.title = 'Custom LF sandbox';
    iframe.srcdoc = sandboxHtml(new URL(PYODIDE_PATH, location.origin).href);
    iframe.addEventListener('load', () => resolve(iframe), { once: true });
    document.body.append(iframe);
  });
  return frame;
}

let nextId = 0;

/** The data worker's end of a new channel gets the samples' rows (as values, or as the Python harness's JSON); the
 *  other end goes with the job to the sandbox. Resolves once the rows are sent, with their count. */
async function rowsChannel(format: 'values' | 'json'): Promise<{ n: number; rows: MessagePort }> {
  const { port1, port2 } = new MessageChannel();
  const n = await dataWorker().sendRows(Comlink.transfer(port1, [port1]), format);
  return { n, rows: port2 };
}

/** Runs the job on the `n` rows that come over `rows`; the sandbox stops it after timeLimitMs(n). */
function runInSandbox(job: TypeScriptJob, rows: MessagePort, n: number): Promise<TypeScriptReply>;
function runInSandbox(job: PythonJob, rows: MessagePort, n: number, language: 'python'): Promise<PythonReply>;
function runInSandbox(job: TypeScriptJob | PythonJob, rows: MessagePort, n: number, language: SandboxLanguage = 'typescript'): Promise<TypeScriptReply | PythonReply> {
  return sandboxFrame().then((iframe) => new Promise((resolve) => {
    const id = ++nextId;
    const onMessage = (e: MessageEvent) => {
      // Only the sandbox's own window is listened to; its origin is opaque ("null"), so the source is what identifies it.
      if (e.source !== iframe.contentWindow || e.data?.id !== id) return;
      window.removeEventListener('message', onMessage);
      resolve(e.data as TypeScriptReply | PythonReply);
    };
    window.addEventListener('message', onMessage);
    iframe.contentWindow!.postMessage({ id, timeLimitMs: timeLimitMs(n), job, language } satisfies SandboxRequest, '*', [rows]);
  }));
}

/**
 * Type-checks the cell's TypeScript in Monaco's worker and emits JavaScript, or returns the first error. With
 * `code`, a model is made for it when no editor has one (an approved LF trained without its cell opened); the
 * server checked that code when it was saved, so only syntax is checked here.
 */
async function compileCell(modelUri: string, code?: string): Promise<{ js: string } | { message: string }> {
  const { monaco } = await import('../editor/monaco-setup.ts');
  const uri = monaco.Uri.parse(modelUri);
  const existing = monaco.editor.getModel(uri);
  if (!existing && code === undefined) return { message: 'Open the cell\'s editor first.' };
  if (!existing) monaco.editor.createModel(code!, 'typescript', uri);
  else if (code !== undefined && existing.getValue() !== code) existing.setValue(code);
  const worker = await (await monaco.typescript.getTypeScriptWorker())(uri);
  const file = uri.toString();
  const diagnostics = [...await worker.getSyntacticDiagnostics(file), ...(existing ? await worker.getSemanticDiagnostics(file) : [])];
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    const text = typeof d.messageText === 'string' ? d.messageText : d.messageText.messageText;
    return { message: `TypeScript: ${text}` };
  }
  const output = await worker.getEmitOutput(file);
  const js = output.outputFiles[0]?.text ?? '';
  return { js };
}

export async function runCustomLf(_code: string, modelUri: string, k: number): Promise<CustomLfOutcome> {
  return runCompiled(await compileCell(modelUri), k);
}

/** A saved custom LF's votes, TypeScript or Python, whether or not its notebook cell was ever run. */
export function runSavedCustomLf(lf: { lfId: string; code: string; language?: string | null; allowedImports?: readonly string[] | null }, classes: readonly string[]): Promise<CustomLfOutcome> {
  if (lf.language === 'python') return runPythonLf(lf.code, lf.allowedImports ?? [], classes);
  return compileCell(`file:///reef-saved-lf-${lf.lfId}.ts`, lf.code).then((compiled) => runCompiled(compiled, classes.length));
}

async function runCompiled(compiled: { js: string } | { message: string }, k: number): Promise<CustomLfOutcome> {
  if ('message' in compiled) return { code: 'TYPE_ERROR', message: compiled.message };
  const started = performance.now();
  const { n, rows } = await rowsChannel('values');
  const reply = await runInSandbox({ js: compiled.js, n, k }, rows, n);
  if ('error' in reply) return measured('typescript', n, started, { code: reply.error, message: String(reply.message) });
  const returned = reply.returned;
  const votes = new Int8Array(returned.length);
  for (let i = 0; i < returned.length; i++) votes[i] = customVote(returned[i], k);
  return measured('typescript', n, started, { votes, rowErrors: Number(reply.rowErrors ?? 0), firstError: String(reply.firstError ?? ''), ms: performance.now() - started });
}

/** Records a run as the User Timing measure `reef:custom-lf` (bench:custom-lf reads it): rows, language, outcome. */
function measured(language: 'typescript' | 'python', rows: number, started: number, outcome: CustomLfOutcome): CustomLfOutcome {
  performance.measure('reef:custom-lf', { start: started, end: performance.now(), detail: { language, rows, error: 'code' in outcome ? `${outcome.code}: ${outcome.message}` : undefined } });
  return outcome;
}

/**
 * A Python LF's votes over the loaded samples, in the sandbox's Pyodide. Rows cross as the server's sandbox sends
 * them (JSON columns, timestamps as epoch milliseconds; python-batch.ts), into the same harness, so the votes match
 * the server's.
 */
export async function runPythonLf(code: string, allowedImports: readonly string[], classes: readonly string[]): Promise<CustomLfOutcome> {
  const started = performance.now();
  const { n, rows } = await rowsChannel('json');
  const job: PythonJob = { indexURL: new URL(PYODIDE_PATH, location.origin).href, harness: PYTHON_HARNESS, code, constants: pythonClassConstants(classes), allowedImports, k: classes.length };
  const reply = await runInSandbox(job, rows, n, 'python');
  if ('error' in reply) return measured('python', n, started, { code: reply.error, message: String(reply.message) });
  const votes = Int8Array.from(reply.votes);
  return measured('python', n, started, { votes, rowErrors: Number(reply.rowErrors ?? 0), firstError: String(reply.firstError ?? ''), ms: performance.now() - started });
}
