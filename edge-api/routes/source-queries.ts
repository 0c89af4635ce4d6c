// Asking a source database before saving: the first rows and the column schema of a query (the Create Index dialog's
// Preview), and the tables and columns of a connection (the SQL editor's completion).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { AssetCreate } from '../../shared/schema/asset.ts';
import { QueryPreview, SourceTables, type ConnectionType } from '../../shared/schema/connection.ts';
import { conceptIndexes, conceptRules } from '../db/schema.ts';
import type { AppDeps } from '../env.ts';
import { ApiError, notFound } from '../errors.ts';
import { createRouter, errors, json, jsonBody, secured } from '../router.ts';
import { requireRole } from '../security/auth.ts';
import { checkSourceSql } from '../security/sql-guard.ts';
import { SourceError } from '../sources/errors.ts';
import { sourceForConnection } from '../sources/from-connection.ts';
import { loadConcept } from '../data/concepts.ts';
import { ConceptParams } from './concepts.ts';
import { dialectOf } from '../sources/index.ts';
import { findConnection } from '../data/connections.ts';
import { ConnectionParams } from './connections.ts';

const PreviewBody = AssetCreate.pick({ conn_id: true, sql_query: true, query_template_params: true })
  .extend({ limit: z.number().int().min(1).max(1000).default(100) });
const timeoutError = { 504: { description: 'SOURCE_QUERY_TIMEOUT: the source did not answer within the statement timeout', content: errors[400].content } } as const;

/**
 * A source's own failure (bad SQL, unreachable) is the analyst's to fix: 400 with the translated message. A query
 * that ran out of time is 504 SOURCE_QUERY_TIMEOUT: the source did not answer in time, and no rows are shown, since
 * a statement cut short may have produced wrong ones.
 */
async function askSource<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SourceError && err.code === 'SOURCE_TIMEOUT') {
      throw new ApiError(504, 'SOURCE_QUERY_TIMEOUT', err.message, { source_code: err.code, ...err.details });
    }
    if (err instanceof SourceError) throw new ApiError(400, 'SOURCE_ERROR', err.message, { source_code: err.code, ...err.details });
    if ((err as { code?: string }).code === 'NOT_AVAILABLE') throw new ApiError(501, 'NOT_AVAILABLE', (err as Error).message);
    throw err;
  }
}

async function openConnection(deps: AppDeps, connId: string) {
  const connection = await findConnection(deps.db, connId);
  if (!connection) throw new ApiError(400, 'VALIDATION_FAILED', `conn_id: there is no connection with id ${connId}.`);
  return { connection, source: await askSource(() => sourceForConnection(connection, deps)) };
}

function previewRoute(kind: 'indexes' | 'rules') {
  return createRoute({
    method: 'post', path: `/api/concepts/{c_id}/${kind}/preview`, tags: [kind], security: secured,
    description: 'Runs the query read-only with the statement timeout and returns its first rows and column types; nothing is saved.',
    request: { params: ConceptParams, ...jsonBody(PreviewBody) },
    responses: { 200: json(QueryPreview, 'The first rows and the columns'), ...errors, ...timeoutError },
  });
}
const schema = createRoute({
  method: 'get', path: '/api/connections/{conn_id}/schema', tags: ['connections'], security: secured,
  request: { params: ConnectionParams },
  responses: { 200: json(SourceTables, 'Tables and columns the connection can read'), ...errors, ...timeoutError },
});
// A GET, but it runs the stored SQL against the source: the analyst role, like the POST preview.
const assetPreview = createRoute({
  method: 'get', path: '/api/concepts/{c_id}/{kind}/{asset_id}/preview', tags: ['indexes', 'rules'], security: secured,
  middleware: [requireRole('analyst')] as const,
  request: { params: ConceptParams.extend({ kind: z.enum(['indexes', 'rules']), asset_id: z.uuid() }) },
  responses: { 200: json(QueryPreview, 'The first rows of a saved index or rule, as its SQL gives them now'), ...errors, ...timeoutError },
});

async function preview(deps: AppDeps, body: { conn_id: string; sql_query: string; query_template_params: Record<string, unknown>; limit: number }) {
  const { connection, source } = await openConnection(deps, body.conn_id);
  const check = await checkSourceSql(body.sql_query, dialectOf(connection.connectionType as ConnectionType));
  if (!check.ok) throw new ApiError(400, check.code, check.message, { path: 'sql_query' });
  const result = await askSource(() => source.preview(body.sql_query, body.query_template_params, {
    limit: body.limit, ...(deps.previewTimeoutMs ? { timeoutMs: deps.previewTimeoutMs } : {}),
  }));
  return {
    columns: result.columns.map((c) => ({ name: c.name, type: c.type, source_type: c.sourceType })),
    rows: result.rows, limit: body.limit,
  };
}

export const sourceQueryRoutes = () => {
  const router = createRouter();
  for (const kind of ['indexes', 'rules'] as const) {
    router.openapi(previewRoute(kind), async (c) => {
      await loadConcept(c.var.deps.db, c.req.valid('param').c_id);
      return c.json(await preview(c.var.deps, c.req.valid('json')), 200);
    });
  }
  return router
    .openapi(assetPreview, async (c) => {
      const { c_id, kind, asset_id } = c.req.valid('param');
      const t = kind === 'indexes' ? conceptIndexes : conceptRules;
      const [asset] = await c.var.deps.db.select().from(t).where(and(eq(t.id, asset_id), eq(t.conceptId, c_id)));
      if (!asset) throw notFound(kind === 'indexes' ? 'index' : 'rule', asset_id);
      return c.json(await preview(c.var.deps, {
        conn_id: asset.connId, sql_query: asset.sqlQuery, query_template_params: asset.queryTemplateParams, limit: 100,
      }), 200);
    })
    .openapi(schema, async (c) => {
      const { source } = await openConnection(c.var.deps, c.req.valid('param').conn_id);
      return c.json(await askSource(() => source.listSchema()), 200);
    });
};
