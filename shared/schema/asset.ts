import { z } from 'zod';
import { Id, Name } from './common.ts';

export const PartitionType = z.enum(['time', 'id_range', 'categorical']);

/** An index (the samples) or a rule (per-sample features): the seed's body, plus the key column. */
export const AssetCreate = z.object({
  name: Name,
  conn_id: Id,
  sql_query: z.string().min(1, 'sql_query is required').max(1_000_000),
  query_template_params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  key_column: z.string().min(1).max(255).default('id'),
  partition_type: PartitionType.nullable().optional(),
  partition_config: z.record(z.string(), z.unknown()).nullable().optional(),
});
export const AssetUpdate = AssetCreate.partial();

export const Asset = z.object({
  id: z.string(),
  c_id: z.string(),
  name: z.string(),
  conn_id: z.string(),
  sql_query: z.string(),
  query_template_params: z.record(z.string(), z.unknown()),
  key_column: z.string(),
  partition_type: z.string().nullable(),
  partition_config: z.record(z.string(), z.unknown()).nullable(),
  is_materialized: z.boolean(),
  row_count: z.number().nullable(),
  storage_path: z.string().nullable(),
  current_version_id: z.string().nullable(),
  materialized_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Asset = z.infer<typeof Asset>;
