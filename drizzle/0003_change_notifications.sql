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
-- The tables a cached read depends on, each with the column that names what changed (a concept, a token).
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('concepts', 'id'), ('concept_values', 'concept_id'), ('concept_indexes', 'concept_id'),
                                  ('concept_rules', 'concept_id'), ('labeling_functions', 'concept_id'), ('api_tokens', 'id')) AS v(name, key)
  LOOP
    EXECUTE format('CREATE TRIGGER reef_changes AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION reef_notify_change(%L)', t.name, t.key);
    EXECUTE format('CREATE TRIGGER reef_changes_truncate AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION reef_notify_change()', t.name);
  END LOOP;
END $$;
