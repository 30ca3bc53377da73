import fp from 'fastify-plugin'
import { routePrefix } from '../infra/http.js'
import { ensureAuditTable } from './audit.js'
import { setupDatabaseHistory } from './history/setup.js'
import { createDatabaseMetrics } from './metrics.js'
import { databaseRoutes } from './routes.js'
import { createDatabaseWatch, type DatabaseWatch } from './watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The PostgreSQL watch: probes on an interval; tests call probeNow(). */
    databaseWatch: DatabaseWatch
  }
}

/**
 * The PostgreSQL watch: identity, table counts and drop guards, connections,
 * PgBouncer and backup freshness. Probes run on PROBE_INTERVAL_S, never on a
 * request's path; the API, the metrics and the alert checks read the last probe.
 */
export default fp(async (app) => {
  const { config, deps } = app
  const watch = createDatabaseWatch({
    monitor: deps.pg.monitor,
    store: deps.pg.store,
    kv: deps.kv,
    embedded: deps.pg.kind === 'embedded',
    config: config.database,
    sink: app.alertSink,
    log: app.log.child({ component: 'database-watch' }),
  })
  app.decorate('databaseWatch', watch)
  const metrics = createDatabaseMetrics(app.metrics.registry, watch.snapshot)
  watch.onProbe((s) => metrics.observe(s))

  app.health.register('monitor', async () => {
    const p = watch.snapshot().probe
    const kind = deps.pg.kind
    if (p === null) return { status: 'degraded', kind, latencyMs: null, message: 'the first probe has not finished yet' }
    const latencyMs = Math.round(p.durationMs)
    const stale = watch.isStale() ? ` (last probe ${p.measuredAt.toISOString()}, stale)` : ''
    if (p.identity.ok) return { status: stale === '' ? 'up' : 'degraded', kind, latencyMs, message: p.identity.message + stale }
    const down = ['database_missing', 'unreachable', 'auth_failed', 'unknown'].includes(p.identity.status)
    return { status: down ? 'down' : 'degraded', kind, latencyMs, message: `${p.identity.status}: ${p.identity.message}${stale}` }
  })
  if (config.database.pgbouncerAdminUrl !== undefined) {
    app.health.register('pgbouncer', async () => {
      const b = watch.snapshot().pgbouncer
      return { status: b.status === 'up' ? 'up' : 'down', kind: 'pgbouncer', latencyMs: null, message: b.message }
    })
  }

  const history = await setupDatabaseHistory(app, watch)
  await app.register(databaseRoutes, { watch, connectionHistory: () => history.connectionColumns(), prefix: routePrefix(config.basePath) })

  app.addHook('onReady', async () => {
    await ensureAuditTable(deps.pg.store).catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'audit table not created yet; admin actions create it on use'))
    await watch.start()
  })
  app.addHook('onClose', async () => { await watch.stop() })
}, { name: 'database', decorators: { fastify: ['config', 'deps', 'metrics', 'health', 'alertSink'] } })
