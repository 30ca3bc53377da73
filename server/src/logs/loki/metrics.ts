import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { M } from '../../metrics/names.js'
import type { Metrics } from '../../metrics/registry.js'

export type ChunkOutcome = 'ok' | 'error' | 'timeout' | 'rate_limited' | 'cached'
export type RetryReason = 'rate_limited' | 'server_error' | 'timeout' | 'network' | 'count_mismatch'

/** Get the metric already on the registry (a second source on one registry) or create it. */
function once<T> (registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create()
}

export function createLokiMetrics (metrics: Metrics) {
  const registry = metrics.registry
  const registers = [registry]
  return {
    chunkDuration: once(registry, M.lokiChunkDuration, () => new Histogram({
      name: M.lokiChunkDuration,
      help: 'Duration of one Loki chunk (all its pages and retries) by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    })),
    retries: once(registry, M.lokiRetries, () => new Counter({
      name: M.lokiRetries,
      help: 'Loki requests retried, by reason',
      labelNames: ['reason'] as const,
      registers,
    })),
    rateLimited: once(registry, M.lokiRateLimited, () => new Counter({
      name: M.lokiRateLimited,
      help: 'Loki answers with status 429 (too many outstanding requests)',
      registers,
    })),
    incomplete: once(registry, M.lokiIncomplete, () => new Counter({
      name: M.lokiIncomplete,
      help: 'Loki query results returned incomplete (cap reached, deadline passed or chunks failed)',
      registers,
    })),
    up: once(registry, M.lokiUp, () => new Gauge({
      name: M.lokiUp,
      help: '1 when Loki answered its last readiness check, 0 when not',
      registers,
    })),
    externalCall: (outcome: string, seconds: number) => metrics.externalCallDuration.observe({ target: 'loki', outcome }, seconds),
  }
}

export type LokiMetrics = ReturnType<typeof createLokiMetrics>
