ALTER TABLE "concept_values" ADD COLUMN "id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "concept_values" ADD CONSTRAINT "concept_values_id_unique" UNIQUE("id");