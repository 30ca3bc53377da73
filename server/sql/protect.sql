-- Protection for TovPlay's scheduling tables (field note 5: the database was dropped, twice).
--
-- Run it as the role that OWNS the scheduling tables (the one that ran the migrations), and
-- as a superuser for the event trigger, after the first start has migrated:
--   psql -v ON_ERROR_STOP=1 "$OWNER_DATABASE_URL" -f server/sql/protect.sql
--   psql "$OWNER_DATABASE_URL" -c "ALTER ROLE tovplay_app PASSWORD '...'"   -- from your secret store
-- Then run TovWatch with DATABASE_URL pointing at tovplay_app. Re-running the script is safe.
--
-- What it gives:
-- * tovplay_app owns nothing and may only SELECT/INSERT/UPDATE/DELETE rows; audit_log is
--   append-only for it (SELECT/INSERT). It cannot DROP, TRUNCATE or ALTER any table, nor CREATE.
-- * An event trigger refuses DROP TABLE (and DROP SCHEMA / DROP OWNED, which drop tables too) for
--   every role but the owner, superusers included.
-- * A BEFORE TRUNCATE trigger on each table (TRUNCATE is not a DDL event) does the same for TRUNCATE.
-- What it cannot give: DROP DATABASE runs outside the database and no trigger sees it. A superuser
-- can also disable these triggers. TovWatch detects both instead (the database watch raises a
-- critical alert within one probe interval), and backups (npm run backup) limit the loss.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tovplay_app') THEN
    CREATE ROLE tovplay_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'tovplay_app') THEN
    RAISE EXCEPTION 'tovplay_app owns tables here; reassign them first: REASSIGN OWNED BY tovplay_app TO %', current_user;
  END IF;
  IF to_regclass('public.audit_log') IS NULL THEN
    RAISE EXCEPTION 'the scheduling tables are missing: start TovWatch once with the owner''s DATABASE_URL so its migrations run';
  END IF;
END $$;

ALTER ROLE tovplay_app NOSUPERUSER NOCREATEDB NOCREATEROLE;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM tovplay_app;
GRANT USAGE ON SCHEMA public TO tovplay_app;

REVOKE ALL ON players, games, player_games, friendships, availability_windows, availability_exceptions,
  session_requests, sessions, session_participants, audit_log, api_tokens, idempotency_keys, pgmigrations_scheduling
  FROM PUBLIC, tovplay_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON players, games, player_games, friendships, availability_windows,
  availability_exceptions, session_requests, sessions, session_participants, api_tokens, idempotency_keys TO tovplay_app;
GRANT SELECT, INSERT ON audit_log TO tovplay_app;            -- append-only: no UPDATE, no DELETE
GRANT SELECT ON pgmigrations_scheduling TO tovplay_app;      -- the health check reads it
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO tovplay_app;

-- TRUNCATE: refused for every role but the table's owner.
CREATE OR REPLACE FUNCTION tovplay_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  owner name;
BEGIN
  SELECT pg_get_userbyid(relowner) INTO owner FROM pg_class WHERE oid = TG_RELID;
  IF current_user IS DISTINCT FROM owner THEN
    RAISE EXCEPTION 'TRUNCATE % refused for role %: only the owner (%) may truncate the scheduling tables', TG_TABLE_NAME, current_user, owner
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END $$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['players', 'games', 'player_games', 'friendships', 'availability_windows', 'availability_exceptions',
    'session_requests', 'sessions', 'session_participants', 'audit_log', 'api_tokens', 'idempotency_keys'] LOOP
    EXECUTE format('CREATE OR REPLACE TRIGGER tovplay_refuse_truncate BEFORE TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION tovplay_refuse_truncate()', t);
  END LOOP;
END $$;

-- DROP TABLE: refused for every role but the owner of the scheduling tables. At
-- ddl_command_start the target is not known yet, so the rule covers every table in this database.
CREATE OR REPLACE FUNCTION tovplay_refuse_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  owner name;
BEGIN
  SELECT pg_get_userbyid(relowner) INTO owner FROM pg_class WHERE oid = to_regclass('public.audit_log');
  IF owner IS NULL THEN
    SELECT pg_get_userbyid(datdba) INTO owner FROM pg_database WHERE datname = current_database();
  END IF;
  IF current_user IS DISTINCT FROM owner THEN
    RAISE EXCEPTION '% refused for role %: only the owner of the scheduling tables (%) may drop tables in this database', tg_tag, current_user, owner
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END $$;

DROP EVENT TRIGGER IF EXISTS tovplay_refuse_drop;
CREATE EVENT TRIGGER tovplay_refuse_drop ON ddl_command_start
  WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED')
  EXECUTE FUNCTION tovplay_refuse_drop();
