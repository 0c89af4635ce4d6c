// Custom LF code never runs with the app's origin. It runs in a worker started by an opaque-origin iframe
// (sandbox="allow-scripts", no allow-same-origin) whose CSP forbids every network request: the code cannot
// read the token, the app's DOM or storage, or send anything anywhere. The iframe stops the worker when it
// overruns its time, so an infinite loop is reported on its cell instead of freezing the tab.
import { customVote } from '../../../shared/lf/custom.ts';
import { dataWorker } from '../studio/workers.ts';

export type CustomLfOutcome =
  | { votes: Int8Array; ms: number; rowErrors: number; firstError: string }
  | { code: 'TYPE_ERROR' | 'TIMEOUT' | 'THROWS' | 'SANDBOX_FAILED'; message: string };

const TIME_LIMIT_MS = 5000;

// The worker's program, as text (it is loaded from a blob URL inside the sandbox). It returns each row's raw
// numeric result (NaN for anything else or a throw); the app turns those into votes with shared/lf's customVote,
// so a return value means the same here as on the server.
const runnerSource = `
onmessage = (e) => {
  const { js, columns, n, k } = e.data;
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

const sandboxHtml = `<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' blob:; worker-src blob:">
</head><body><script>
const workerUrl = URL.createObjectURL(new Blob([${JSON.stringify(runnerSource)}], { type: 'text/javascript' }));
onmessage = (e) => {
  const { id, timeLimitMs, job } = e.data;
  const reply = (msg, transfer) => parent.postMessage({ id, ...msg }, '*', transfer || []);
  let worker;
  try { worker = new Worker(workerUrl); } catch (err) { reply({ error: 'SANDBOX_FAILED', message: String(err) }); return; }
  const timer = setTimeout(() => { worker.terminate(); reply({ error: 'TIMEOUT', message: 'It ran longer than ' + timeLimitMs / 1000 + ' s (an endless loop?) and was stopped.' }); }, timeLimitMs);
  worker.onmessage = (m) => { clearTimeout(timer); worker.terminate(); reply(m.data, m.data.returned ? [m.data.returned.buffer] : []); };
  worker.onerror = (err) => { clearTimeout(timer); worker.terminate(); reply({ error: 'THROWS', message: err.message || 'the code failed' }); };
  worker.postMessage(job);
};
</script></body></html>`;

let frame: Promise<HTMLIFrameElement> | undefined;
function sandboxFrame(): Promise<HTMLIFrameElement> {
  frame ??= new Promise((resolve) => {
    const iframe = document.createElement('iframe');
    iframe.sandbox.add('allow-scripts');
    iframe.style.display = 'none';
    iframe.title = 'Custom LF sandbox';
    iframe.srcdoc = sandboxHtml;
    iframe.addEventListener('load', () => resolve(iframe), { once: true });
    document.body.append(iframe);
  });
  return frame;
}

let nextId = 0;
function runInSandbox(job: { js: string; columns: Record<string, unknown[]>; n: number; k: number }): Promise<Record<string, unknown>> {
  return sandboxFrame().then((iframe) => new Promise((resolve) => {
    const id = ++nextId;
    const onMessage = (e: MessageEvent) => {
      // Only the sandbox's own window is listened to; its origin is opaque ("null"), so the source is what identifies it.
      if (e.source !== iframe.contentWindow || e.data?.id !== id) return;
      window.removeEventListener('message', onMessage);
      resolve(e.data as Record<string, unknown>);
    };
    window.addEventListener('message', onMessage);
    iframe.contentWindow!.postMessage({ id, timeLimitMs: TIME_LIMIT_MS, job }, '*');
  }));
}

/** Type-checks the cell's TypeScript in Monaco's worker and emits JavaScript, or returns the first error. */
async function compileCell(modelUri: string): Promise<{ js: string } | { message: string }> {
  const { monaco } = await import('../editor/monaco-setup.ts');
  const uri = monaco.Uri.parse(modelUri);
  if (!monaco.editor.getModel(uri)) return { message: 'Open the cell\'s editor first.' };
  const worker = await (await monaco.typescript.getTypeScriptWorker())(uri);
  const file = uri.toString();
  const diagnostics = [...await worker.getSyntacticDiagnostics(file), ...await worker.getSemanticDiagnostics(file)];
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
  const compiled = await compileCell(modelUri);
  if ('message' in compiled) return { code: 'TYPE_ERROR', message: compiled.message };
  const started = performance.now();
  const columns = await dataWorker().rowsFor();
  const n = Object.values(columns)[0]?.length ?? 0;
  const reply = await runInSandbox({ js: compiled.js, columns, n, k });
  if (typeof reply.error === 'string') {
    return { code: reply.error as 'TIMEOUT' | 'THROWS' | 'SANDBOX_FAILED', message: String(reply.message) };
  }
  const returned = reply.returned as Float64Array;
  const votes = new Int8Array(returned.length);
  for (let i = 0; i < returned.length; i++) votes[i] = customVote(returned[i], k);
  return { votes, rowErrors: Number(reply.rowErrors ?? 0), firstError: String(reply.firstError ?? ''), ms: performance.now() - started };
}
