#!/bin/sh
# Renders PgBouncer's userlist from the compose secrets (never stored in the repository
# or the image), then runs PgBouncer in the foreground.
set -eu
secrets=${TOVWATCH_SECRETS_DIR:-/run/secrets}
out=${PGBOUNCER_USERLIST:-/tmp/pgbouncer/userlist.txt}
mkdir -p "$(dirname "$out")"
umask 077
app=$(tr -d '\n' <"$secrets/tovplay_app_password")
stats=$(tr -d '\n' <"$secrets/pgbouncer_stats_password")
sed -e "s/\${TOVPLAY_APP_PASSWORD}/$app/" -e "s/\${PGBOUNCER_STATS_PASSWORD}/$stats/" \
  "$(dirname "$0")/userlist.txt.template" >"$out"
exec pgbouncer "${PGBOUNCER_INI:-$(dirname "$0")/pgbouncer.ini}"
