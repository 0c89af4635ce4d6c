import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { Run } from '../../shared/schema/run.ts';
import { notFound } from '../errors.ts';
import { createRouter, errors, iso, json, secured } from '../router.ts';
import { FINISHED, getRun, runEventsAfter, transitionRun, type RunRow, type RunStatus } from '../runs/run-store.ts';

export const RunParams = z.object({ run_id: z.uuid({ message: 'run_id must be a run id (UUID)' }) });

export { Run };

export const toRun = (r: RunRow): Run => ({
  run_id: r.id, kind: r.kind, status: r.status as RunStatus, c_id: r.conceptId,
  progress: r.progress, params: r.params as Record<string, unknown>,
  metrics: r.metrics ?? null, lineage: r.lineage ?? null, error: r.error ?? null, parent_run_id: r.parentRunId,
  created_at: iso(r.createdAt)!, started_at: iso(r.startedAt), finished_at: iso(r.finishedAt),
});

const tags = ['runs'];
const get = createRoute({
  method: 'get', path: '/api/runs/{run_id}', tags, security: secured,
  request: { params: RunParams },
  responses: { 200: json(Run, 'The run, its status and progress'), ...errors },
});
const events = createRoute({
  method: 'get', path: '/api/runs/{run_id}/events', tags, security: secured,
  request: { params: RunParams },
  responses: {
    200: { description: 'Server-Sent Events: one event per progress record (rows written, partition done, status), until the run ends', content: { 'text/event-stream': { schema: z.string() } } },
    ...errors,
  },
});
const cancel = createRoute({
  method: 'post', path: '/api/runs/{run_id}/cancel', tags, security: secured,
  request: { params: RunParams },
  description: 'Marks the run CANCELED. The worker running a materialization sees it within a quarter of a second, cancels the statement on the source database (pg_cancel_backend, KILL QUERY, a DuckDB interrupt) and takes the next job.',
  responses: { 200: json(Run, 'The run, canceled unless it had already finished'), ...errors },
});

/** How often the event stream looks for new records: events may come from worker processes on other machines. */
const EVENT_POLL_MS = 250;

export const runRoutes = () => createRouter()
  .openapi(get, async (c) => {
    const { run_id } = c.req.valid('param');
    const run = await getRun(c.var.deps.db, run_id);
    if (!run) throw notFound('run', run_id);
    return c.json(toRun(run), 200);
  })
  .openapi(events, async (c) => {
    const { run_id } = c.req.valid('param');
    const db = c.var.deps.db;
    if (!(await getRun(db, run_id))) throw notFound('run', run_id);
    let lastId = Number(c.req.header('Last-Event-ID') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      const sendNewEvents = async () => {
        for (const e of await runEventsAfter(db, run_id, lastId)) {
          lastId = e.id;
          await stream.writeSSE({ id: String(e.id), event: e.kind, data: JSON.stringify({ ...(e.data as object), at: iso(e.createdAt) }) });
        }
      };
      while (!stream.aborted) {
        await sendNewEvents();
        const run = await getRun(db, run_id);
        if (!run || FINISHED.includes(run.status as RunStatus)) {
          await sendNewEvents(); // the final status event may have landed after the first read
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: run?.status }) });
          return;
        }
        await stream.sleep(EVENT_POLL_MS);
      }
    }) as never;
  })
  .openapi(cancel, async (c) => {
    const { run_id } = c.req.valid('param');
    const db = c.var.deps.db;
    if (!(await getRun(db, run_id))) throw notFound('run', run_id);
    await transitionRun(db, run_id, ['PENDING', 'RUNNING'], 'CANCELED', { error: { code: 'CANCELED', message: `Canceled by ${c.var.principal.name}.` } });
    return c.json(toRun((await getRun(db, run_id))!), 200);
  });
