// Starting materializations, and reading a materialized asset version's Parquet (with HTTP range requests).
import { createRoute, z } from '@hono/zod-openapi';
import { loadAsset, type AssetKind } from '../data/assets.ts';
import { findAssetVersion } from '../data/asset-versions.ts';
import { ApiError, notFound } from '../errors.ts';
import { createRouter, errors, iso, json, secured, webStream } from '../router.ts';
import { startMaterialization } from '../materialize/runs.ts';
import { listParts, partKey } from '../storage/parts.ts';
import { ConceptParams } from './concepts.ts';
import { Run, toRun } from './runs.ts';
import { PARQUET_MEDIA_TYPE } from '../../shared/schema/asset.ts';

const MaterializeStarted = z.object({
  run_id: z.string(),
  /** The seed's Dagster field, kept as an alias of run_id. */
  dagster_run_id: z.string(),
  status: Run.shape.status,
  run: Run,
});

const AssetVersion = z.object({
  asset_version_id: z.string(), asset_kind: z.string(), asset_id: z.string(), version: z.number(),
  storage_prefix: z.string(), row_count: z.number().nullable(), schema: z.unknown(), run_id: z.string().nullable(),
  created_at: z.string(), parts: z.array(z.object({ url: z.string(), key: z.string(), bytes: z.number() })),
});
const VersionParams = z.object({ asset_version_id: z.uuid({ message: 'asset_version_id must be a UUID' }) });

function materializeRoute(kind: AssetKind) {
  const idParam = kind === 'indexes' ? 'index_id' : 'r_id';
  return createRoute({
    method: 'post', path: `/api/concepts/{c_id}/${kind}/{${idParam}}/materialize`, tags: [kind], security: secured,
    request: { params: ConceptParams.extend({ [idParam]: z.uuid({ message: `${idParam} must be a UUID` }) }) },
    responses: { 202: json(MaterializeStarted, 'The materialization run, started; follow it at /api/runs/{run_id}/events'), ...errors },
  });
}

const version = createRoute({
  method: 'get', path: '/api/assets/{asset_version_id}', tags: ['assets'], security: secured,
  request: { params: VersionParams },
  responses: { 200: json(AssetVersion, 'A materialized version of an asset and the URLs of its Parquet parts'), ...errors },
});
const data = createRoute({
  method: 'get', path: '/api/assets/{asset_version_id}/data', tags: ['assets'], security: secured,
  request: { params: VersionParams, query: z.object({ part: z.coerce.number().int().min(0).default(0) }) },
  responses: {
    200: { description: 'The Parquet bytes of one part (Range requests answered with 206)', content: { [PARQUET_MEDIA_TYPE]: { schema: z.string() } } },
    206: { description: 'The requested byte range' },
    ...errors,
  },
});

/** Parses a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole, as RFC 9110 allows. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start > end || start >= size ? 'unsatisfiable' : { start, end };
}

export const materializeRoutes = () => {
  const router = createRouter();
  for (const kind of ['indexes', 'rules'] as const) {
    router.openapi(materializeRoute(kind), async (c) => {
      const materializer = c.var.deps.materializer;
      if (!materializer) throw new ApiError(501, 'NOT_AVAILABLE', 'This deployment runs no workers; materialize from a Node deployment (reef serve / reef worker).');
      const params = c.req.valid('param') as Record<string, string>;
      const assetId = params[kind === 'indexes' ? 'index_id' : 'r_id']!;
      await loadAsset(c.var.deps.db, kind, params.c_id!, assetId);
      const run = await startMaterialization(materializer, kind, assetId, c.var.principal.name);
      return c.json({ run_id: run.id, dagster_run_id: run.id, status: toRun(run).status, run: toRun(run) }, 202);
    });
  }
  return router
    .openapi(version, async (c) => {
      const { asset_version_id } = c.req.valid('param');
      const v = await findAssetVersion(c.var.deps.db, asset_version_id);
      if (!v) throw notFound('asset version', asset_version_id);
      const parts = c.var.deps.materializer ? await listParts(c.var.deps.materializer.store, v.storagePrefix) : [];
      return c.json({
        asset_version_id: v.id, asset_kind: v.assetKind, asset_id: v.assetId, version: v.version, storage_prefix: v.storagePrefix,
        row_count: v.rowCount, schema: v.schema ?? null, run_id: v.runId, created_at: iso(v.createdAt)!,
        parts: parts.map((p, i) => ({ url: `/api/assets/${v.id}/data?part=${i}`, key: p.key, bytes: p.size })),
      }, 200);
    })
    .openapi(data, async (c) => {
      const { asset_version_id } = c.req.valid('param');
      const { part } = c.req.valid('query');
      const store = c.var.deps.materializer?.store;
      const v = await findAssetVersion(c.var.deps.db, asset_version_id);
      if (!v || !store) throw notFound('asset version', asset_version_id);
      const key = partKey(v.storagePrefix, part);
      const info = await store.head(key);
      if (!info) throw new ApiError(404, 'NOT_FOUND', `Asset version ${asset_version_id} has no part ${part}; GET /api/assets/${asset_version_id} lists its parts.`);
      const headers: Record<string, string> = {
        'Content-Type': PARQUET_MEDIA_TYPE, 'Accept-Ranges': 'bytes',
        // Versions are immutable, so a browser may cache them for good.
        'Cache-Control': 'private, max-age=31536000, immutable', ETag: `"${v.id}-${part}"`,
      };
      const range = parseRange(c.req.header('Range'), info.size);
      if (range === 'unsatisfiable') return c.body(null, 416, { ...headers, 'Content-Range': `bytes */${info.size}` }) as never;
      const body = await store.get(key, range ? { offset: range.start, length: range.end - range.start + 1 } : undefined);
      const stream = webStream(body);
      if (range) {
        return c.body(stream, 206, { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${info.size}`, 'Content-Length': String(range.end - range.start + 1) }) as never;
      }
      return c.body(stream, 200, { ...headers, 'Content-Length': String(info.size) }) as never;
    });
};
