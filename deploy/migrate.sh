#!/bin/sh
# Compose service "migrate": runs once before TovWatch starts, and again on every `up`.
# 1. the scheduling core's migrations as the owner role (deploy/migrate.ts);
# 2. server/sql/protect.sql as the superuser: the app role (DATABASE_URL of TovWatch) may then
#    only read and write rows: no DROP, TRUNCATE or CREATE. Both steps are safe to repeat.
set -eu
cd "$(dirname "$0")/.."
secrets=${TOVWATCH_SECRETS_DIR:-/run/secrets}
node --import tsx deploy/migrate.ts
PGPASSWORD=$(tr -d '\n' <"$secrets/postgres_password") \
  psql -X -q -v ON_ERROR_STOP=1 -f server/sql/protect.sql
echo "tovplay is migrated and protected"
