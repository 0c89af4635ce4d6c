// Files of a `files` connection: CSV or Parquet uploads streamed into the object store, each queried as a table
// named after the file (edge-api/sources/files.ts).
import { Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import { parquetMetadataAsync } from 'hyparquet';
import { ApiError, notFound } from '../errors.ts';
import { storeAsyncBuffer } from '../training/train-parquet.ts';
import type { ObjectStore } from '../storage/index.ts';
import { filesPrefix } from '../sources/from-connection.ts';
import { createRouter, errors, iso, json, secured } from '../router.ts';
import { findConnection } from '../data/connections.ts';
import { ConnectionParams } from './connections.ts';

export const MAX_UPLOAD_BYTES = 10 * 1024 ** 3;
const FILE_NAME = /^[A-Za-z_][A-Za-z0-9_]*\.(csv|parquet)$/i;
/** Well under any file system's 255-byte name limit, and a table name one can still type. */
const MAX_FILE_NAME = 128;
/** How much of a CSV upload is sniffed. */
const CSV_SNIFF_BYTES = 64 * 1024;
const PARQUET_MAGIC = 'PAR1';

/** Raw uploads (data files, ONNX models, browser training results) carry limits of their own instead of the 1 MB JSON body limit. */
export const isFileUpload = (method: string, path: string) =>
  method === 'POST' && (/^\/api\/connections\/[^/]+\/files$/.test(path) || /^\/api\/concepts\/[^/]+\/(models|snorkel\/browser-runs)$/.test(path));

const FileInfo = z.object({ name: z.string(), table: z.string(), bytes: z.number(), uploaded_at: z.string() });

const upload = createRoute({
  method: 'post', path: '/api/connections/{conn_id}/files', tags: ['connections'], security: secured,
  description: 'Upload a CSV or Parquet file as the raw request body; it becomes a table named after the file. '
    + 'A file that is not what its name says (a Parquet file without its magic bytes or a readable footer, a CSV that is not text) is refused with 400 UPLOAD_INVALID.',
  request: {
    params: ConnectionParams,
    query: z.object({
      name: z.string()
        .max(MAX_FILE_NAME, `name must be at most ${MAX_FILE_NAME} characters`)
        .regex(FILE_NAME, 'name must look like comments.csv or events.parquet (letters, digits, _; the table takes the name before the dot)'),
    }),
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
    // Staged first and checked there, so a file that is not what its name says never replaces a good one and
    // never breaks the connection's schema for everyone.
    const staged = `uploads/${conn_id}/${crypto.randomUUID()}`;
    try {
      const { bytes } = await store.put(staged, Readable.fromWeb(body as never));
      const problem = name.toLowerCase().endsWith('.parquet') ? await parquetProblem(store, staged, bytes) : await csvProblem(store, staged, bytes);
      if (problem) throw new ApiError(400, 'UPLOAD_INVALID', `${name} ${problem}`);
      // The store writes to a temporary object and renames it, so readers never see half a file.
      await store.put(`${filesPrefix(conn_id)}${name}`, await store.get(staged));
      return c.json({ name, table: name.replace(/\.[^.]+$/, ''), bytes, uploaded_at: new Date().toISOString() }, 201);
    } finally {
      await store.delete(staged);
    }
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

/** Why the staged object is not a Parquet file (both magic numbers, and a footer that parses), or null. */
async function parquetProblem(store: ObjectStore, key: string, size: number): Promise<string | null> {
  const refused = 'is not a Parquet file';
  if (size < 12) return `${refused}: it has ${size} bytes, fewer than the smallest Parquet file. Upload the .parquet file itself, or a CSV named .csv.`;
  const head = new TextDecoder().decode(await store.getBytes(key, { offset: 0, length: 4 }));
  const tail = new TextDecoder().decode(await store.getBytes(key, { offset: size - 4, length: 4 }));
  if (head !== PARQUET_MAGIC || tail !== PARQUET_MAGIC) {
    return `${refused}: it does not start and end with the Parquet magic bytes "PAR1". Upload the .parquet file itself, or a CSV named .csv.`;
  }
  try {
    await parquetMetadataAsync(await storeAsyncBuffer(store, key));
  } catch (err) {
    return `${refused}: its footer (the schema and row groups) cannot be read (${(err as Error).message}). Was it cut short? Upload it again.`;
  }
  return null;
}

/** Why the staged object is not CSV text (empty, Parquet, binary, not UTF-8), judged on its first bytes, or null. */
async function csvProblem(store: ObjectStore, key: string, size: number): Promise<string | null> {
  if (size === 0) return 'is empty; a CSV needs at least a header line.';
  const head = await store.getBytes(key, { offset: 0, length: Math.min(size, CSV_SNIFF_BYTES) });
  if (new TextDecoder().decode(head.subarray(0, 4)) === PARQUET_MAGIC) return 'is a Parquet file; upload it with a .parquet name.';
  if (head.includes(0)) return 'is not CSV text: it holds NUL bytes (a binary file?). Export the data as CSV (UTF-8) or Parquet.';
  try {
    // `stream: true`: a character cut at the end of the sniffed bytes is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: size > CSV_SNIFF_BYTES });
  } catch {
    return 'is not UTF-8 text. Save the CSV as UTF-8, or upload Parquet.';
  }
  return null;
}
