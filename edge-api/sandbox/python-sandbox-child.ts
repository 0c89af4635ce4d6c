// The child process that runs Python LFs in Pyodide for the server (python-sandbox.ts starts it). It runs under
// Node's permission model, reading only Pyodide's files and its own modules, with no environment, no child
// processes, no workers and no code generation from strings; Pyodide's `js` module is an empty object, so Python
// code reaches nothing of Node. It answers the parent's messages one at a time: load an LF, then run batches.
import { loadPyodide } from 'pyodide';
import { PYTHON_HARNESS } from '../../shared/lf/python.ts';

type Request =
  | { type: 'load'; code: string; constants: Record<string, number>; allowedImports: string[] }
  | { type: 'run'; batch: string; k: number };

const send = (message: object) => process.send!(message);

// Pyodide's NODEFS (host directories mounted into Python) asks process.binding for open flags at start-up, which
// the permission model denies. Give it no flags: nothing of the host is ever mounted here.
Object.defineProperty(process, 'binding', { value: (name: string) => (name === 'constants' ? { fs: {} } : undefined) });

const pyodide = await loadPyodide({ jsglobals: {}, stdout: () => {}, stderr: () => {}, env: {} });
pyodide.runPython(PYTHON_HARNESS);
// Pyodide is loaded; nothing here needs the network, so no Python escape into JavaScript finds a way out to it.
for (const name of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest']) Reflect.deleteProperty(globalThis, name);
const load = pyodide.globals.get('__reef_load');
const run = pyodide.globals.get('__reef_run');

process.on('message', (request: Request) => {
  try {
    if (request.type === 'load') {
      const problem = load(request.code, JSON.stringify(request.constants), JSON.stringify(request.allowedImports)) as string | undefined;
      send({ type: 'loaded', problem: problem ?? null });
      return;
    }
    const result = run(request.batch, request.k);
    const [bytes, errors, first, invalid, firstInvalid] = result.toJs() as [Uint8Array, number, string | undefined, number, string | undefined];
    result.destroy();
    const votes = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2).slice();
    send({ type: 'votes', votes, errors, first: first ?? null, invalid, firstInvalid: firstInvalid ?? null });
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message.split('\n').filter(Boolean).at(-1) ?? err.message : String(err) });
  }
});
send({ type: 'ready' });
