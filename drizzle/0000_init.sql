CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "asset_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"concept_id" uuid NOT NULL,
	"asset_kind" text NOT NULL,
	"asset_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"storage_prefix" text NOT NULL,
	"row_count" bigint,
	"schema" jsonb,
	"sql_hash" text NOT NULL,
	"run_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "asset_versions_asset_kind_asset_id_version_unique" UNIQUE("asset_kind","asset_id","version")
);
--> statement-breakpoint
CREATE TABLE "concept_indexes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"concept_id" uuid NOT NULL,
	"name" text NOT NULL,
	"conn_id" uuid NOT NULL,
	"sql_query" text NOT NULL,
	"query_template_params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"key_column" text DEFAULT 'id' NOT NULL,
	"partition_type" text,
	"partition_config" jsonb,
	"is_materialized" boolean DEFAULT false NOT NULL,
	"row_count" bigint,
	"storage_path" text,
	"current_version_id" uuid,
	"materialized_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concept_indexes_concept_id_name_unique" UNIQUE("concept_id","name")
);
--> statement-breakpoint
CREATE TABLE "concept_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"concept_id" uuid NOT NULL,
	"name" text NOT NULL,
	"conn_id" uuid NOT NULL,
	"sql_query" text NOT NULL,
	"query_template_params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"key_column" text DEFAULT 'id' NOT NULL,
	"partition_type" text,
	"partition_config" jsonb,
	"is_materialized" boolean DEFAULT false NOT NULL,
	"row_count" bigint,
	"storage_path" text,
	"current_version_id" uuid,
	"materialized_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concept_rules_concept_id_name_unique" UNIQUE("concept_id","name")
);
--> statement-breakpoint
CREATE TABLE "concept_values" (
	"concept_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "concept_values_concept_id_position_pk" PRIMARY KEY("concept_id","position"),
	CONSTRAINT "concept_values_concept_id_name_unique" UNIQUE("concept_id","name")
);
--> statement-breakpoint
CREATE TABLE "concepts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "concepts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "database_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"connection_type" text NOT NULL,
	"host" text,
	"port" integer,
	"database" text,
	"username" text,
	"encrypted_password" text,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "database_connections_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "gold_labels" (
	"concept_id" uuid NOT NULL,
	"sample_key" text NOT NULL,
	"label" integer NOT NULL,
	"labeled_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gold_labels_concept_id_sample_key_pk" PRIMARY KEY("concept_id","sample_key")
);
--> statement-breakpoint
CREATE TABLE "labeling_function_versions" (
	"lf_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "labeling_function_versions_lf_id_version_pk" PRIMARY KEY("lf_id","version")
);
--> statement-breakpoint
CREATE TABLE "labeling_functions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"concept_id" uuid NOT NULL,
	"name" text NOT NULL,
	"lf_type" text NOT NULL,
	"description" text,
	"config" jsonb NOT NULL,
	"label" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"requires_approval" boolean DEFAULT false NOT NULL,
	"approved_by" text,
	"approved_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "labeling_functions_concept_id_name_unique" UNIQUE("concept_id","name")
);
--> statement-breakpoint
CREATE TABLE "partition_executions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"partition_key" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"row_count" bigint,
	"output" jsonb,
	"error" jsonb,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "partition_executions_run_id_partition_key_unique" UNIQUE("run_id","partition_key")
);
--> statement-breakpoint
CREATE TABLE "pipelines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"concept_id" uuid NOT NULL,
	"name" text NOT NULL,
	"graph" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipelines_concept_id_name_unique" UNIQUE("concept_id","name")
);
--> statement-breakpoint
CREATE TABLE "run_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"concept_id" uuid,
	"kind" text NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parent_run_id" uuid,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metrics" jsonb,
	"lineage" jsonb,
	"error" jsonb,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "asset_versions" ADD CONSTRAINT "asset_versions_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_versions" ADD CONSTRAINT "asset_versions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concept_indexes" ADD CONSTRAINT "concept_indexes_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concept_indexes" ADD CONSTRAINT "concept_indexes_conn_id_database_connections_id_fk" FOREIGN KEY ("conn_id") REFERENCES "public"."database_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concept_rules" ADD CONSTRAINT "concept_rules_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concept_rules" ADD CONSTRAINT "concept_rules_conn_id_database_connections_id_fk" FOREIGN KEY ("conn_id") REFERENCES "public"."database_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concept_values" ADD CONSTRAINT "concept_values_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gold_labels" ADD CONSTRAINT "gold_labels_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_function_versions" ADD CONSTRAINT "labeling_function_versions_lf_id_labeling_functions_id_fk" FOREIGN KEY ("lf_id") REFERENCES "public"."labeling_functions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "labeling_functions" ADD CONSTRAINT "labeling_functions_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partition_executions" ADD CONSTRAINT "partition_executions_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_events_run_idx" ON "run_events" USING btree ("run_id","id");--> statement-breakpoint
CREATE INDEX "runs_concept_idx" ON "runs" USING btree ("concept_id","created_at");