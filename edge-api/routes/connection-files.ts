// Files of a `files` connection: CSV or Parquet uploads streamed into the object store, each queried as a table
// named after the file (edge-api/sources/files.ts).
import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError, notFound } from '../errors.ts';
import { filesPrefix } from '../sources/from-connection.ts';
import { createRouter, errors, iso, json, secured } from '../router.ts';
import { ConnectionParams, findConnection } from './connections.ts';

export const MAX_UPLOAD_BYTES = 10 * 1024 ** 3;
const FILE_NAME = /^[A-Za-z_][A-Za-z0-9_]*\.(csv|parquet)$/i;

/** Raw uploads (data files, ONNX models, browser training results) carry limits of their own instead of the 1 MB JSON body limit. */
export const isFileUpload = (method: string, path: string) =>
  method === 'POST' && (/^\/api\/connections\/[^/]+\/files$/.test(path) || /^\/api\/concepts\/[^/]+\/(models|snorkel\/browser-runs)$/.test(path));

const FileInfo = z.object({ name: z.string(), table: z.string(), bytes: z.number(), uploaded_at: z.string() });

const upload = createRoute({
  method: 'post', path: '/api/connections/{conn_id}/files', tags: ['connections'], security: secured,
  description: 'Upload a CSV or Parquet file as the raw request body; it becomes a table named after the file.',
  request: {
    params: ConnectionParams,
    query: z.object({ name: z.string().regex(FILE_NAME, 'name must look like comments.csv or events.parquet (letters, digits, _; the table takes the name before the dot)') }),
    body: { required: true, content: { 'application/octet-stream': { schema: z.string() }, 'text/csv': { schema: z.string() } } },
  },
  responses: { 201: json(FileInfo, 'The stored file'), 413: errors[400], ...errors },
});
const list = createRoute({
  method: 'get', path: '/api/connections/{conn_id}/files', tags: ['connections'], security: secured,
  request: { params: ConnectionParams },
  responses: { 200: json(z.array(FileInfo), 'The files of the connection'), ...errors },
});

async function filesConnection(c: { var: { deps: import('../env.ts').AppDeps } }, connId: string) {
  const connection = await findConnection(c.var.deps.db, connId);
  if (!connection) throw notFound('connection', connId);
  if (connection.connectionType !== 'files') {
    throw new ApiError(400, 'VALIDATION_FAILED', `Connection "${connection.name}" is ${connection.connectionType}; files can only be uploaded to a files connection.`);
  }
  const store = c.var.deps.store;
  if (!store) throw new ApiError(501, 'NOT_AVAILABLE', 'This deployment has no object store; upload files through a Node deployment.');
  return { connection, store };
}

export const connectionFileRoutes = () => createRouter()
  .openapi(upload, async (c) => {
    const { conn_id } = c.req.valid('param');
    const { name } = c.req.valid('query');
    const { store } = await filesConnection(c, conn_id);
    const declared = Number(c.req.header('Content-Length') ?? 0);
    if (declared > MAX_UPLOAD_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `Files may be at most ${MAX_UPLOAD_BYTES / 1024 ** 3} GiB.`);
    const body = c.req.raw.body;
    if (!body) throw new ApiError(400, 'VALIDATION_FAILED', 'Send the file as the request body.');
    const key = `${filesPrefix(conn_id)}${name}`;
    // The store writes to a temporary object and renames it, so a failed upload never replaces a good file.
    const { bytes } = await store.put(key, Readable.fromWeb(body as never));
    return c.json({ name, table: name.replace(/\.[^.]+$/, ''), bytes, uploaded_at: new Date().toISOString() }, 201);
  })
  .openapi(list, async (c) => {
    const { conn_id } = c.req.valid('param');
    const { store } = await filesConnection(c, conn_id);
    const objects = await store.list(filesPrefix(conn_id));
    return c.json(objects.map((o) => {
      const name = o.key.slice(filesPrefix(conn_id).length);
      return { name, table: name.replace(/\.[^.]+$/, ''), bytes: o.size, uploaded_at: iso(o.lastModified)! };
    }), 200);
  });
