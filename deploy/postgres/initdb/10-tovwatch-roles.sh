#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data volume (after the image
# created POSTGRES_DB=tovplay). Passwords come from the compose secrets, never from here.
#   tovplay_owner     owns tovplay's tables; runs the migrations (compose service "migrate")
#   tovplay_app       the scheduling core at run time; rows only once protect.sql has run
#   tovwatch_monitor  the watch: statistics and counts, no rows (server/sql/monitor-role.sql)
#   tovwatch          TovWatch's own store, in its own database: a dropped tovplay keeps it
# To re-run on an existing volume:
#   docker-compose -f docker-compose.monitoring.yml exec postgres bash /docker-entrypoint-initdb.d/10-tovwatch-roles.sh
set -euo pipefail
secrets_dir=${TOVWATCH_SECRETS_DIR:-/run/secrets}
sql_dir=${TOVWATCH_SQL_DIR:-/tovwatch-sql}
secret() { tr -d '\n' <"$secrets_dir/$1"; }
as_superuser() { psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" "$@"; }

as_superuser --dbname postgres \
  -v owner_pw="$(secret tovplay_owner_password)" \
  -v app_pw="$(secret tovplay_app_password)" \
  -v store_pw="$(secret tovwatch_store_password)" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['tovplay_owner', 'tovplay_app', 'tovwatch']) AS r
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE tovplay_owner NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_pw';
ALTER ROLE tovplay_app NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_pw';
-- PgBouncer drops startup parameters (statement_timeout among them): the timeout lives on the role.
ALTER ROLE tovplay_app SET statement_timeout = '10s';
ALTER ROLE tovwatch NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'store_pw';

SELECT 'CREATE DATABASE tovplay' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tovplay') \gexec
-- The owner may create in tovplay (its schema public, the btree_gist extension); the app may connect.
ALTER DATABASE tovplay OWNER TO tovplay_owner;
GRANT CONNECT, TEMPORARY ON DATABASE tovplay TO tovplay_app;

SELECT 'CREATE DATABASE tovwatch OWNER tovwatch' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'tovwatch') \gexec
REVOKE CONNECT ON DATABASE tovwatch FROM PUBLIC;
GRANT CONNECT ON DATABASE tovwatch TO tovwatch;
SQL

# The project's own monitoring-role script, in the monitored database.
as_superuser --dbname tovplay -v monitor_password="$(secret tovwatch_monitor_password)" -f "$sql_dir/monitor-role.sql"
echo "tovwatch roles and databases are ready"
