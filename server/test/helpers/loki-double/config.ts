/**
 * The double's GET /config: Loki serves its running configuration there as YAML
 * (pkg/loki/config_handler.go, text/plain; charset=utf-8). The double answers the part a
 * client can plan with, under Loki's own keys: frontend.max_outstanding_per_tenant and the
 * limits_config query limits (durations as Prometheus' model.Duration prints them: 1h, 30d1h).
 */

export interface ConfigLimits {
  maxOutstandingPerTenant: number
  maxEntriesLimit: number
  maxQueryLengthMs: number | undefined
  maxQueryParallelism: number
  splitIntervalMs: number
}

/** Prometheus model.Duration.String(): years and weeks only when exact, then d, h, m, s, ms. */
export function formatModelDuration (ms: number): string {
  if (ms === 0) return '0s'
  let rest = ms
  let out = ''
  const unit = (name: string, size: number, exact: boolean) => {
    if (exact && rest % size !== 0) return
    const v = Math.floor(rest / size)
    if (v > 0) { out += `${v}${name}`; rest -= v * size }
  }
  unit('y', 365 * 86_400_000, true)
  unit('w', 7 * 86_400_000, true)
  unit('d', 86_400_000, false)
  unit('h', 3_600_000, false)
  unit('m', 60_000, false)
  unit('s', 1000, false)
  unit('ms', 1, false)
  return out
}

export function configYaml (l: ConfigLimits): string {
  return [
    'frontend:',
    `  max_outstanding_per_tenant: ${l.maxOutstandingPerTenant}`,
    'limits_config:',
    `  max_entries_limit_per_query: ${l.maxEntriesLimit}`,
    `  max_query_length: ${formatModelDuration(l.maxQueryLengthMs ?? 0)}`,
    `  max_query_parallelism: ${l.maxQueryParallelism}`,
    `  split_queries_by_interval: ${formatModelDuration(l.splitIntervalMs)}`,
    '',
  ].join('\n')
}
