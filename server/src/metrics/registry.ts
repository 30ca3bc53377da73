import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { M } from './names.js'

/**
 * The shared metrics of the foundation. Domains create their own metrics on the
 * same registry (passed in, never the global one).
 */
export function createMetrics (registry: Registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'tovwatch_' })
  return {
    registry,
    httpDuration: new Histogram({
      name: M.httpDuration,
      help: 'HTTP request duration by route template and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: M.cacheRequests,
      help: 'Cache look-ups by cache and result (hit or miss)',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: M.dependencyUp,
      help: '1 when a dependency answered its last health check, 0 when not',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    externalCallDuration: new Histogram({
      name: M.externalCallDuration,
      help: 'Duration of calls to external components by target and outcome',
      labelNames: ['target', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
