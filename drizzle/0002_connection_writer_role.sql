ALTER TABLE "database_connections" ADD COLUMN "trusted_writer_role" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "database_connections" ADD COLUMN "trusted_writer_role_by" text;--> statement-breakpoint
ALTER TABLE "database_connections" ADD COLUMN "trusted_writer_role_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "database_connections" ADD COLUMN "statement_timeout_s" integer DEFAULT 900 NOT NULL;