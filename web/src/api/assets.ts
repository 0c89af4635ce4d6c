// Indexes and rules (a concept's assets): preview their SQL, save them, materialize them, read a version's parts.
import type { z } from 'zod';
import type { Asset, AssetCreate } from '../../../shared/schema/asset.ts';
import type { QueryPreview } from '../../../shared/schema/connection.ts';
import { apiPath, request, requestJson } from './request.ts';

export type AssetCollection = 'indexes' | 'rules';

/** The first rows of a query on a connection, nothing saved. */
export const previewAssetQuery = (cId: string, kind: AssetCollection, body: { conn_id: string; sql_query: string }) =>
  requestJson<QueryPreview>(apiPath`/api/concepts/${cId}/${kind}/preview`, { method: 'POST', json: body });
export const createAsset = (cId: string, kind: AssetCollection, body: z.input<typeof AssetCreate>) =>
  requestJson<Asset>(apiPath`/api/concepts/${cId}/${kind}`, { method: 'POST', json: body });
/** Starts a materialization run; follow it with runs.ts followRun. */
export const materializeAsset = (cId: string, kind: AssetCollection, assetId: string) =>
  requestJson<{ run_id: string }>(apiPath`/api/concepts/${cId}/${kind}/${assetId}/materialize`, { method: 'POST' });

/** A materialized version's path: its part list, immutable like the version (so also a cache key). */
export const assetVersionPath = (versionId: string) => apiPath`/api/assets/${versionId}`;
export interface AssetVersionParts { parts: { url: string }[] }
/** The version's part list as the raw response (the data worker caches it whole). */
export const fetchAssetVersion = (versionId: string, token: string) => request(assetVersionPath(versionId), { token });
