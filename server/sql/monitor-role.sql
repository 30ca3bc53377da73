-- TovWatch's monitoring role: reads statistics and the catalog, never players' rows.
--
-- Run it as a superuser (or the owner of the watched tables) in the MONITORED database:
--   psql "postgresql://postgres@db-host/TovPlay" \
--        -v monitor_password="$TOVWATCH_MONITOR_PASSWORD" -f server/sql/monitor-role.sql
-- Add `-v allow_terminate=on` to let the role end idle connections
-- (POST /api/connections/terminate-idle, also gated by ALLOW_TERMINATE_IDLE=true).
-- allow_terminate is a boolean (on/off, true/false, yes/no, 1/0) and defaults to off:
-- `-v allow_terminate=off`, or leaving it out, revokes pg_signal_backend.
-- Then: MONITOR_DATABASE_URL=postgresql://tovwatch_monitor:<password>@db-host/TovPlay
--
-- The password comes from the psql variable, never from this file. Safe to run again.

\set ON_ERROR_STOP on
\if :{?monitor_password}
\else
  \echo 'Set the password: psql -v monitor_password=... -f monitor-role.sql'
  \quit
\endif

-- Checked before anything changes: `-v allow_terminate=maybe` stops here with an error.
\if :{?allow_terminate}
\else
  \set allow_terminate off
\endif
SELECT :'allow_terminate'::boolean AS allow_terminate_on \gset

SELECT current_database() AS monitored_db \gset

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tovwatch_monitor') THEN
    CREATE ROLE tovwatch_monitor LOGIN;
  END IF;
END
$$;

-- Few connections: watching must never add to an exhaustion (TovWatch uses at most 2).
ALTER ROLE tovwatch_monitor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  CONNECTION LIMIT 4 PASSWORD :'monitor_password';
ALTER ROLE tovwatch_monitor SET default_transaction_read_only = on;
ALTER ROLE tovwatch_monitor SET statement_timeout = '10s';

-- pg_monitor = pg_read_all_settings + pg_read_all_stats + pg_stat_scan_tables:
-- every backend's row in pg_stat_activity, table statistics and sizes. No table data.
GRANT pg_monitor TO tovwatch_monitor;
GRANT CONNECT ON DATABASE :"monitored_db" TO tovwatch_monitor;
GRANT USAGE ON SCHEMA public TO tovwatch_monitor;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tovwatch_monitor;

-- Exact row counts without SELECT on the rows: a function that returns only a
-- count, run with its owner's rights, for user tables only. TovWatch uses it when
-- it exists; without it, watched tables show the statistics estimate.
CREATE SCHEMA IF NOT EXISTS tovwatch;
REVOKE ALL ON SCHEMA tovwatch FROM PUBLIC;
GRANT USAGE ON SCHEMA tovwatch TO tovwatch_monitor;

CREATE OR REPLACE FUNCTION tovwatch.row_count(t regclass) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  n bigint;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
    WHERE c.oid = t AND c.relkind IN ('r', 'p')
      AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname !~ '^pg_'
  ) THEN
    RAISE EXCEPTION 'tovwatch.row_count: % is not a user table', t USING ERRCODE = '42501';
  END IF;
  -- regclass prints as a quoted, schema-qualified name.
  EXECUTE format('SELECT count(*) FROM %s', t) INTO n;
  RETURN n;
END
$fn$;
REVOKE ALL ON FUNCTION tovwatch.row_count(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tovwatch.row_count(regclass) TO tovwatch_monitor;

\if :allow_terminate_on
  -- Lets the role end other roles' (non-superuser) backends; TovWatch limits it to idle ones.
  GRANT pg_signal_backend TO tovwatch_monitor;
\else
  REVOKE pg_signal_backend FROM tovwatch_monitor;
\endif
