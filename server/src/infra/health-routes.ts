import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type pg from 'pg'
import { Type } from 'typebox'
import { HealthBody } from './health-schema.js'
import { errorResponses } from './http.js'
import type { DependencyHealth } from './health.js'

async function pgCheck (pool: pg.Pool, kind: string): Promise<DependencyHealth> {
  const started = performance.now()
  try {
    await pool.query('SELECT 1')
    return { status: 'up', kind, latencyMs: Math.round(performance.now() - started), message: 'ok' }
  } catch (err) {
    return { status: 'down', kind, latencyMs: null, message: (err as Error).message }
  }
}

/** The foundation's own checks, and GET {BASE_PATH}/api/health (public, for load balancers). Registered under the BASE_PATH prefix. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, health, metrics } = app
  health.register('database', () => pgCheck(deps.pg.app, deps.pg.kind))
  health.register('redis', async () => {
    if (deps.cache.kind === 'memory') return { status: 'up', kind: 'in-process', latencyMs: 0, message: 'REDIS_URL is unset: in-process bus and cache' }
    const latency = await deps.cache.ping()
    if (latency === null || deps.bus.degraded()) {
      return { status: 'degraded', kind: 'in-process', latencyMs: latency, message: 'Redis is unreachable: falling back to the in-process bus and cache; other instances will not see this one\'s events' }
    }
    return { status: 'up', kind: 'redis', latencyMs: latency, message: 'ok' }
  })
  health.register('logs', async () => {
    const h = await deps.logSource.health()
    return { ...h, kind: deps.logSource.kind }
  })

  app.get('/api/health', {
    config: { auth: 'public' },
    logLevel: 'warn',
    schema: { querystring: Type.Object({ strict: Type.Optional(Type.Boolean()) }), response: { 200: HealthBody, 503: HealthBody, ...errorResponses(400) } },
  }, async (request, reply) => {
    const report = await health.run()
    for (const [name, dep] of Object.entries(report.dependencies)) {
      metrics.dependencyUp.set({ dependency: name }, dep.status === 'up' || dep.status === 'disabled' ? 1 : dep.status === 'degraded' ? 0.5 : 0)
    }
    // ?strict=true lets a load balancer take an instance out while a dependency is down.
    return reply.code(request.query.strict === true && report.status === 'down' ? 503 : 200).send(report)
  })
}

export default healthRoutes
