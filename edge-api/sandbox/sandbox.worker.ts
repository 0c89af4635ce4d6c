// A worker thread that runs custom LFs in the QuickJS sandbox, so that however long an LF takes, the API's event
// loop keeps answering. Started and reused by sandbox-thread.ts: one request at a time, one reply per request; each
// request gets a fresh QuickJS runtime, so nothing one LF leaves behind reaches the next.
import { parentPort } from 'node:worker_threads';
import { CustomLfSandbox, type CustomLfErrorCode } from './sandbox.ts';
import type { SandboxReply, SandboxRequest } from './sandbox-thread.ts';

async function reply(request: SandboxRequest): Promise<SandboxReply> {
  try {
    const sandbox = await CustomLfSandbox.create(request.lf, request.limits);
    try {
      sandbox.checkDeterministic(request.batch, request.columns, request.k);
      return { ok: true, run: sandbox.votes(request.batch, request.columns, request.k) };
    } finally {
      sandbox.dispose();
    }
  } catch (err) {
    const e = err as { code?: unknown; lf?: unknown; message?: unknown };
    if (typeof e.code === 'string' && e.code.startsWith('CUSTOM_LF_') && typeof e.lf === 'string') {
      return { ok: false, error: { code: e.code as CustomLfErrorCode, lf: e.lf, message: String(e.message) } };
    }
    return { ok: false, error: { code: 'CUSTOM_LF_CRASHED', lf: request.lf.name, message: `Custom LF "${request.lf.name}": its sandbox failed: ${String(e.message ?? err)}` } };
  }
}

parentPort!.on('message', async (request: SandboxRequest) => {
  const answer = await reply(request);
  parentPort!.postMessage(answer, answer.ok ? [answer.run.votes.buffer as ArrayBuffer] : []);
});
