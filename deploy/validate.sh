#!/usr/bin/env bash
# Validates the deployment with the real tools (Debian packages docker-compose, prometheus,
# prometheus-alertmanager): the compose file, Prometheus config and rules (with their unit
# tests), Alertmanager config, and every dashboard and config file's syntax.
# No container engine is needed: this checks files, it starts nothing.
# Every check runs; the script then lists what failed and exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
step() { printf '\n--- %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; failed+=("$1"); }

missing=()
for tool in docker-compose promtool amtool node; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deploy/validate.sh: missing tool(s): ${missing[*]}" >&2
  echo "Install the Debian packages docker-compose, prometheus (promtool), prometheus-alertmanager (amtool)." >&2
  exit 1
fi

step "docker-compose config (.env.example stands in for .env)"
# The compose file reads TovWatch's env_file from TOVWATCH_ENV_FILE (default .env), and
# interpolates ${...} from --env-file: both point at the example here.
if out=$(TOVWATCH_ENV_FILE=.env.example docker-compose -f docker-compose.monitoring.yml \
  --env-file .env.example --profile all config -q 2>&1); then
  ok "docker-compose.monitoring.yml"
else
  printf '%s\n' "$out" >&2
  fail "docker-compose -f docker-compose.monitoring.yml config"
fi

step "promtool check config deploy/prometheus.yml"
if [ -f rules/alerts.yml ]; then
  if promtool check config deploy/prometheus.yml; then ok "deploy/prometheus.yml"; else fail "promtool check config deploy/prometheus.yml"; fi
else
  # Still check the config's own syntax, against an empty stand-in for the rules.
  fail "rules/alerts.yml is missing, but deploy/prometheus.yml loads it (rule_files: ../rules/alerts.yml)"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/deploy" "$tmp/rules"
  cp deploy/prometheus.yml "$tmp/deploy/"
  printf 'groups: []\n' >"$tmp/rules/alerts.yml"
  if promtool check config "$tmp/deploy/prometheus.yml"; then ok "deploy/prometheus.yml syntax (with an empty rules stand-in)"; else fail "promtool check config deploy/prometheus.yml"; fi
  rm -rf "$tmp"
fi

step "promtool check rules / test rules"
if [ -f rules/alerts.yml ]; then
  if promtool check rules rules/alerts.yml; then ok "rules/alerts.yml"; else fail "promtool check rules rules/alerts.yml"; fi
  if [ -f rules/alerts.test.yml ]; then
    if promtool test rules rules/alerts.test.yml; then ok "rules/alerts.test.yml"; else fail "promtool test rules rules/alerts.test.yml"; fi
  else
    echo "note: rules/alerts.test.yml is absent: the alert rules have no unit tests" >&2
  fi
fi

step "amtool check-config deploy/alertmanager.yml"
if amtool check-config deploy/alertmanager.yml; then ok "deploy/alertmanager.yml"; else fail "amtool check-config deploy/alertmanager.yml"; fi

step "JSON dashboards and YAML configs parse"
if node deploy/check-syntax.mjs; then ok "dashboards and configs"; else fail "dashboard JSON / config YAML syntax (deploy/check-syntax.mjs)"; fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '\ndeploy/validate.sh: %d check(s) FAILED:\n' "${#failed[@]}" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
printf '\ndeploy/validate.sh: all deployment checks passed\n'
