-- Every committed change that a cached read depends on is announced on the channel "reef_changes" as
-- "<table>:<key>" (the key column is the trigger's argument), so each API process drops what it cached of it
-- (edge-api/db/change-feed.ts). PostgreSQL delivers notifications only at commit and folds duplicates within a
-- transaction, so a materialization that touches an asset many times announces it once. A TRUNCATE announces
-- "<table>:*": every key of that table.
CREATE FUNCTION reef_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('reef_changes', TG_TABLE_NAME || ':*');
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    PERFORM pg_notify('reef_changes', TG_TABLE_NAME || ':' || coalesce(to_jsonb(OLD) ->> TG_ARGV[0], ''));
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM pg_notify('reef_changes', TG_TABLE_NAME || ':' || coalesce(to_jsonb(NEW) ->> TG_ARGV[0], ''));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON concepts FOR EACH ROW EXECUTE FUNCTION reef_notify_change('id');
--> statement-breakpoint
CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON concepts FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change();
--> statement-breakpoint
CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON concept_values FOR EACH ROW EXECUTE FUNCTION reef_notify_change('concept_id');
--> statement-breakpoint
CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON concept_values FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change();
--> statement-breakpoint
CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON concept_indexes FOR EACH ROW EXECUTE FUNCTION reef_notify_change('concept_id');
--> statement-breakpoint
CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON concept_indexes FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change();
--> statement-breakpoint
CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON concept_rules FOR EACH ROW EXECUTE FUNCTION reef_notify_change('concept_id');
--> statement-breakpoint
CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON concept_rules FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change();
--> statement-breakpoint
CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON labeling_functions FOR EACH ROW EXECUTE FUNCTION reef_notify_change('concept_id');
--> statement-breakpoint
CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON labeling_functions FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change();
--> statement-breakpoint
CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION reef_notify_change('id');
--> statement-breakpoint
CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change();
