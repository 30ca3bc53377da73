#!/usr/bin/env bash
# First start on a server: generates every secret once, writes the files the images read
# (deploy/secrets/*, mounted as compose secrets) and a .env whose change-me-... values hold
# the same secrets. Existing files are kept, so running it again changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=deploy/secrets
names=(postgres_password tovplay_owner_password tovplay_app_password tovwatch_monitor_password tovwatch_store_password
  pgbouncer_stats_password grafana_admin_password alert_webhook_token
  admin_token viewer_token session_secret embed_secret)
# The directory is private; the files are readable inside the containers, whose users
# (postgres 999, grafana 472, alertmanager nobody) differ from the host's.
umask 022
mkdir -p "$dir"
chmod 700 "$dir"
for n in "${names[@]}"; do
  f="$dir/$n"
  if [ ! -s "$f" ]; then
    # Hex only: the secrets go into connection URLs and need no escaping.
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$f"
    chmod 644 "$f"
    echo "generated $f"
  fi
done

# Where Alertmanager sends TovWatchDown itself (TovWatch cannot, being down): a Slack-compatible
# incoming webhook, e.g. a Discord channel webhook URL with /slack appended. Not generated.
down="$dir/tovwatch_down_webhook_url"
if [ ! -s "$down" ]; then
  printf '%s' "${TOVWATCH_DOWN_WEBHOOK_URL:-}" >"$down"
  chmod 644 "$down"
fi
if [ ! -s "$down" ]; then
  echo "warning: $down is empty: nobody hears of TovWatchDown. Put a Slack-compatible webhook URL in it (Discord: the webhook URL + /slack), or run again with TOVWATCH_DOWN_WEBHOOK_URL set" >&2
fi

if [ -e .env ]; then
  echo ".env exists: left as it is (compare it with .env.example)"
else
  cp .env.example .env
  chmod 600 .env
  for n in "${names[@]}"; do
    placeholder="change-me-$(printf '%s' "$n" | tr '_' '-')"
    value=$(cat "$dir/$n")
    sed -i "s/$placeholder/$value/g" .env
  done
  echo "wrote .env from .env.example; edit PUBLIC_URL, GRAFANA_ROOT_URL and EMBED_ALLOWED_ORIGINS"
fi
if grep -q 'change-me-' .env; then
  echo "warning: .env still holds change-me-... placeholders:" >&2
  grep -n 'change-me-' .env | sed 's/=.*/=.../' >&2
fi
