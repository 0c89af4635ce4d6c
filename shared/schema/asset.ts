import { z } from 'zod';
import { Id, Name } from './common.ts';

/** The media type of every Parquet Reef stores or serves: asset parts and training results. */
export const PARQUET_MEDIA_TYPE = 'application/vnd.apache.parquet';

export const PartitionType = z.enum(['time', 'id_range', 'categorical']);

const TemplateParams = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const KeyColumn = z.string().min(1).max(255);

const assetFields = {
  name: Name,
  conn_id: Id,
  sql_query: z.string().min(1, 'sql_query is required').max(1_000_000),
  /** Values for the query's `:name` placeholders; always bound as parameters, never spliced into the SQL. */
  query_template_params: TemplateParams,
  /** The column that identifies a sample; rules join to their index on it. */
  key_column: KeyColumn,
  partition_type: PartitionType.nullable().optional(),
  partition_config: z.record(z.string(), z.unknown()).nullable().optional(),
};

/** An index (the samples) or a rule (per-sample features): the seed's body, plus the key column. */
export const AssetCreate = z.object({
  ...assetFields,
  query_template_params: TemplateParams.default({}),
  key_column: KeyColumn.default('id'),
});
/** Only the fields sent change (no defaults here, so a patch never resets what it leaves out). */
export const AssetUpdate = z.object(assetFields).partial();

export const Asset = z.object({
  id: z.string(),
  /** The seed's name for the id: `index_id` on an index, `r_id` on a rule. */
  index_id: z.string().optional(),
  r_id: z.string().optional(),
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

/** A labeling function as the catalog lists it: enough to show and pick it, not its definition. */
export const CatalogLabelingFunction = z.object({
  id: z.string(),
  /** The seed's names for `id` and `active`. */
  lf_id: z.string(),
  is_active: z.boolean(),
  name: z.string(),
  lf_type: z.string(),
  label: z.number().int(),
  label_name: z.string().nullable(),
  active: z.boolean(),
  requires_approval: z.boolean(),
  version: z.number().int(),
});

/** Everything a concept's pipelines can use: the seed's catalog shape, plus labeling functions. */
export const Catalog = z.object({
  indexes: z.array(Asset),
  rules: z.array(Asset),
  labeling_functions: z.array(CatalogLabelingFunction),
});
export type Catalog = z.infer<typeof Catalog>;
