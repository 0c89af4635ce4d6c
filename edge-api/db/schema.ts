// The definitions store: the single source of truth for concepts, assets, LFs, runs and lineage.
// Migrations in drizzle/ are generated from this file by drizzle-kit (`npm run db:generate`).
import {
  bigint, bigserial, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid, index,
} from 'drizzle-orm/pg-core';
import type { Asset } from '../../shared/schema/asset.ts';
import type { LfConfig, LfSnapshot } from '../../shared/schema/labeling-function.ts';
import type { Pipeline } from '../../shared/schema/pipeline.ts';
import type { Run } from '../../shared/schema/run.ts';

/**
 * A jsonb object whose shape the row's kind decides (a training's params are not a materialization's); the code that
 * knows the kind names the shape.
 */
type JsonObject = object;

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const concepts = pgTable('concepts', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The classes of a concept, numbered 0..k-1 in a stable order (a vote is a position). */
export const conceptValues = pgTable('concept_values', {
  /** The seed's `cv_id`: LF bodies may name their class by it. */
  id: uuid('id').notNull().unique().defaultRandom(),
  conceptId: uuid('concept_id').notNull().references(() => concepts.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  name: text('name').notNull(),
}, (t) => [primaryKey({ columns: [t.conceptId, t.position] }), unique().on(t.conceptId, t.name)]);

export const databaseConnections = pgTable('database_connections', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  connectionType: text('connection_type').notNull(),
  host: text('host'),
  port: integer('port'),
  database: text('database'),
  username: text('username'),
  /** AES-GCM under REEF_SECRET; never returned by the API. */
  encryptedPassword: text('encrypted_password'),
  options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
  /**
   * An admin vouched for a login that can write (superuser, INSERT grants, dblink…): the writer-role check on test
   * and save is skipped. Who set it and when stay beside it.
   */
  trustedWriterRole: boolean('trusted_writer_role').notNull().default(false),
  trustedWriterRoleBy: text('trusted_writer_role_by'),
  trustedWriterRoleAt: timestamp('trusted_writer_role_at', { withTimezone: true }),
  /** Statement timeout for materializations from this source (previews use it too, capped at 30 s). */
  statementTimeoutS: integer('statement_timeout_s').notNull().default(900),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

const assetColumns = {
  id: uuid('id').primaryKey().defaultRandom(),
  conceptId: uuid('concept_id').notNull().references(() => concepts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  connId: uuid('conn_id').notNull().references(() => databaseConnections.id, { onDelete: 'restrict' }),
  sqlQuery: text('sql_query').notNull(),
  queryTemplateParams: jsonb('query_template_params').$type<Asset['query_template_params']>().notNull().default({}),
  /** The column that identifies a sample; rules join to their index on it. */
  keyColumn: text('key_column').notNull().default('id'),
  partitionType: text('partition_type'),
  partitionConfig: jsonb('partition_config').$type<NonNullable<Asset['partition_config']>>(),
  isMaterialized: boolean('is_materialized').notNull().default(false),
  rowCount: bigint('row_count', { mode: 'number' }),
  storagePath: text('storage_path'),
  currentVersionId: uuid('current_version_id'),
  materializedAt: timestamp('materialized_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
};

export const conceptIndexes = pgTable('concept_indexes', assetColumns, (t) => [unique().on(t.conceptId, t.name)]);
export const conceptRules = pgTable('concept_rules', assetColumns, (t) => [unique().on(t.conceptId, t.name)]);

/**
 * The table of indexes or of rules. Both are built from assetColumns; their drizzle types differ only in the table
 * name, so one query shape serves both.
 */
export const assetTable = (kind: 'indexes' | 'rules'): typeof conceptIndexes =>
  (kind === 'indexes' ? conceptIndexes : (conceptRules as unknown as typeof conceptIndexes));

export const labelingFunctions = pgTable('labeling_functions', {
  id: uuid('id').primaryKey().defaultRandom(),
  conceptId: uuid('concept_id').notNull().references(() => concepts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  lfType: text('lf_type').notNull(),
  description: text('description'),
  /** The type-specific definition (field/operator/value, pattern, expression, code). */
  config: jsonb('config').$type<LfConfig>().notNull(),
  label: integer('label').notNull(),
  active: boolean('active').notNull().default(true),
  requiresApproval: boolean('requires_approval').notNull().default(false),
  approvedBy: text('approved_by'),
  approvedAt: timestamp('approved_at', { withTimezone: true }),
  version: integer('version').notNull().default(1),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [unique().on(t.conceptId, t.name)]);

/** Immutable history: every save of an LF adds a row; runs pin these snapshots. */
export const labelingFunctionVersions = pgTable('labeling_function_versions', {
  lfId: uuid('lf_id').notNull().references(() => labelingFunctions.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  snapshot: jsonb('snapshot').$type<LfSnapshot>().notNull(),
  createdBy: text('created_by'),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.lfId, t.version] })]);

export const runs = pgTable('runs', {
  id: uuid('id').primaryKey().defaultRandom(),
  conceptId: uuid('concept_id').references(() => concepts.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(),
  status: text('status').notNull().default('PENDING'),
  params: jsonb('params').$type<JsonObject>().notNull().default({}),
  parentRunId: uuid('parent_run_id'),
  progress: jsonb('progress').$type<Run['progress']>().notNull().default({}),
  metrics: jsonb('metrics').$type<JsonObject>(),
  lineage: jsonb('lineage').$type<JsonObject>(),
  error: jsonb('error').$type<JsonObject>(),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
}, (t) => [index('runs_concept_idx').on(t.conceptId, t.createdAt)]);

export const runEvents = pgTable('run_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  runId: uuid('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(),
  data: jsonb('data').$type<JsonObject>().notNull().default({}),
  createdAt: createdAt(),
}, (t) => [index('run_events_run_idx').on(t.runId, t.id)]);

export const partitionExecutions = pgTable('partition_executions', {
  id: uuid('id').primaryKey().defaultRandom(),
  runId: uuid('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
  partitionKey: text('partition_key').notNull(),
  status: text('status').notNull().default('PENDING'),
  attempts: integer('attempts').notNull().default(0),
  rowCount: bigint('row_count', { mode: 'number' }),
  output: jsonb('output').$type<JsonObject>(),
  error: jsonb('error').$type<JsonObject>(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
}, (t) => [unique().on(t.runId, t.partitionKey)]);

export const assetVersions = pgTable('asset_versions', {
  id: uuid('id').primaryKey().defaultRandom(),
  conceptId: uuid('concept_id').notNull().references(() => concepts.id, { onDelete: 'cascade' }),
  assetKind: text('asset_kind').notNull(),
  assetId: uuid('asset_id').notNull(),
  version: integer('version').notNull(),
  storagePrefix: text('storage_prefix').notNull(),
  rowCount: bigint('row_count', { mode: 'number' }),
  /** The Parquet columns as DuckDB names their types. */
  schema: jsonb('schema').$type<{ name: string; type: string }[]>(),
  sqlHash: text('sql_hash').notNull(),
  runId: uuid('run_id').references(() => runs.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
}, (t) => [unique().on(t.assetKind, t.assetId, t.version)]);

/** The React Flow graph (and notebook cells) of a pipeline. */
export const pipelines = pgTable('pipelines', {
  id: uuid('id').primaryKey().defaultRandom(),
  conceptId: uuid('concept_id').notNull().references(() => concepts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  graph: jsonb('graph').$type<Pipeline['graph']>().notNull(),
  updatedAt: updatedAt(),
}, (t) => [unique().on(t.conceptId, t.name)]);

/** Dev-set labels an analyst gave, per sample key of the concept's index. */
export const goldLabels = pgTable('gold_labels', {
  conceptId: uuid('concept_id').notNull().references(() => concepts.id, { onDelete: 'cascade' }),
  sampleKey: text('sample_key').notNull(),
  label: integer('label').notNull(),
  labeledBy: text('labeled_by'),
  updatedAt: updatedAt(),
}, (t) => [primaryKey({ columns: [t.conceptId, t.sampleKey] })]);

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  /** SHA-256 of the token; the token itself is shown once, when minted. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});
