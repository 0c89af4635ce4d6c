// Indexes (the samples) and rules (per-sample features) are the two kinds of asset: the same columns, the same
// routes, one factory. Their SQL is checked on every save by a real parser in the dialect of their connection.
import { createRoute, z } from '@hono/zod-openapi';
import { Asset, AssetCreate, AssetUpdate } from '../../shared/schema/asset.ts';
import type { ConnectionType } from '../../shared/schema/connection.ts';
import type { Db } from '../db/client.ts';
import { deleteAsset, insertAsset, listAssets, loadAsset, updateAsset, type AssetKind, type AssetRow } from '../data/assets.ts';
import { ApiError } from '../errors.ts';
import { createRouter, errors, iso, json, jsonBody, secured } from '../router.ts';
import { PartitionConfigError, planPartitions } from '../materialize/partitions.ts';
import { checkSourceSql } from '../security/sql-guard.ts';
import { loadConcept } from '../data/concepts.ts';
import { ConceptParams } from './concepts.ts';
import { dialectOf } from '../sources/index.ts';
import { findConnection } from '../data/connections.ts';

export type { AssetKind };

const kinds = {
  indexes: { idParam: 'index_id', singular: 'index' },
  rules: { idParam: 'r_id', singular: 'rule' },
} as const;

export function toAsset(row: AssetRow, kind: AssetKind): Asset {
  return {
    id: row.id, [kinds[kind].idParam]: row.id, c_id: row.conceptId, name: row.name, conn_id: row.connId, sql_query: row.sqlQuery,
    query_template_params: row.queryTemplateParams, key_column: row.keyColumn,
    partition_type: row.partitionType, partition_config: row.partitionConfig,
    is_materialized: row.isMaterialized, row_count: row.rowCount, storage_path: row.storagePath,
    current_version_id: row.currentVersionId, materialized_at: iso(row.materializedAt),
    created_at: iso(row.createdAt)!, updated_at: iso(row.updatedAt)!,
  };
}

interface AssetSource {
  connId: string;
  sql: string;
  partitionType: string | null;
  partitionConfig: Record<string, unknown> | null;
}

/**
 * Refuses (400) an unknown connection, SQL that is not one read-only SELECT in that connection's dialect, or a
 * partitioning the planner could not split the query by, so a definition that saves is one a run can start.
 */
async function checkAssetSource(db: Db, source: AssetSource): Promise<void> {
  const connection = await findConnection(db, source.connId);
  if (!connection) {
    const message = `conn_id: there is no connection with id ${source.connId}; list them with GET /api/connections or create one first.`;
    throw new ApiError(400, 'VALIDATION_FAILED', message, { issues: [{ path: 'conn_id', message }] });
  }
  const dialect = dialectOf(connection.connectionType as ConnectionType);
  const check = await checkSourceSql(source.sql, dialect);
  if (!check.ok) throw new ApiError(400, check.code, check.message, { path: 'sql_query' });
  try {
    planPartitions(source.sql, source.partitionType, source.partitionConfig, dialect);
  } catch (error) {
    if (error instanceof PartitionConfigError) throw new ApiError(400, error.code, error.message, { path: 'partition_config' });
    throw error;
  }
}

/** CRUD for a concept's indexes (`/api/concepts/{c_id}/indexes/{index_id}`) or rules (`…/rules/{r_id}`). */
export function assetRoutes(kind: AssetKind) {
  const { idParam, singular } = kinds[kind];
  const collection = `/api/concepts/{c_id}/${kind}`;
  const item = `${collection}/{${idParam}}`;
  const ItemParams = ConceptParams.extend({ [idParam]: z.uuid({ message: `${idParam} must be ${singular === 'index' ? 'an' : 'a'} ${singular} id (UUID)` }) });
  const tags = [kind];

  const idOf = (params: Record<string, string>) => params[idParam]!;

  const create = createRoute({
    method: 'post', path: collection, tags, security: secured,
    request: { params: ConceptParams, ...jsonBody(AssetCreate) },
    responses: { 201: json(Asset, `The new ${singular}`), ...errors },
  });
  const list = createRoute({
    method: 'get', path: collection, tags, security: secured,
    request: { params: ConceptParams },
    responses: { 200: json(z.array(Asset), `The concept's ${kind}`), ...errors },
  });
  const get = createRoute({
    method: 'get', path: item, tags, security: secured,
    request: { params: ItemParams },
    responses: { 200: json(Asset, `The ${singular}`), ...errors },
  });
  const update = createRoute({
    method: 'patch', path: item, tags, security: secured,
    request: { params: ItemParams, ...jsonBody(AssetUpdate) },
    responses: { 200: json(Asset, `The updated ${singular}`), ...errors },
  });
  const remove = createRoute({
    method: 'delete', path: item, tags, security: secured,
    request: { params: ItemParams },
    responses: { 204: { description: `Deleted (its materialized versions stay recorded for the runs that used them)` }, ...errors },
  });

  return createRouter()
    .openapi(create, async (c) => {
      const { c_id } = c.req.valid('param');
      const body = c.req.valid('json');
      const db = c.var.deps.db;
      await loadConcept(db, c_id);
      const partitionType = body.partition_type ?? null;
      const partitionConfig = body.partition_config ?? null;
      await checkAssetSource(db, { connId: body.conn_id, sql: body.sql_query, partitionType, partitionConfig });
      const row = await insertAsset(db, kind, {
        conceptId: c_id, name: body.name, connId: body.conn_id, sqlQuery: body.sql_query,
        queryTemplateParams: body.query_template_params, keyColumn: body.key_column, partitionType, partitionConfig,
      });
      return c.json(toAsset(row, kind), 201);
    })
    .openapi(list, async (c) => {
      const { c_id } = c.req.valid('param');
      const db = c.var.deps.db;
      await loadConcept(db, c_id);
      const rows = await listAssets(db, kind, c_id);
      return c.json(rows.map((row) => toAsset(row, kind)), 200);
    })
    .openapi(get, async (c) => {
      const params = c.req.valid('param');
      return c.json(toAsset(await loadAsset(c.var.deps.db, kind, params.c_id, idOf(params)), kind), 200);
    })
    .openapi(update, async (c) => {
      const params = c.req.valid('param');
      const body = c.req.valid('json');
      const db = c.var.deps.db;
      const row = await loadAsset(db, kind, params.c_id, idOf(params));
      // A patch that touches the source (query, connection — perhaps of another dialect — or partitioning) is
      // checked merged with what it leaves as it is, exactly as on create.
      const touchesSource = [body.sql_query, body.conn_id, body.partition_type, body.partition_config].some((v) => v !== undefined);
      if (touchesSource) {
        await checkAssetSource(db, {
          connId: body.conn_id ?? row.connId,
          sql: body.sql_query ?? row.sqlQuery,
          partitionType: body.partition_type === undefined ? row.partitionType : body.partition_type,
          partitionConfig: body.partition_config === undefined ? row.partitionConfig : body.partition_config,
        });
      }
      const updated = await updateAsset(db, kind, row.id, {
        name: body.name, connId: body.conn_id, sqlQuery: body.sql_query,
        queryTemplateParams: body.query_template_params, keyColumn: body.key_column,
        partitionType: body.partition_type, partitionConfig: body.partition_config,
      });
      return c.json(toAsset(updated, kind), 200);
    })
    .openapi(remove, async (c) => {
      const params = c.req.valid('param');
      const db = c.var.deps.db;
      const row = await loadAsset(db, kind, params.c_id, idOf(params));
      await deleteAsset(db, kind, row.id);
      return c.body(null, 204);
    });
}
