import fp from 'fastify-plugin'
import type { SchedContext, SchedState } from './context.js'
import { serialPool } from './serial-pool.js'
import { createSchedMetrics } from './metrics.js'
import { migrate, migrationNames, MIGRATIONS_TABLE } from './migrate.js'
import { routePrefix } from '../infra/http.js'
import { dashboardAuditRoutes } from './audit-routes.js'
import { schedulingApi } from './routes/index.js'
import { sweep } from './sweep.js'
import { createTokenCache } from './tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    scheduling: {
      state: SchedState
      /** "METHOD /api/..." of every write route, for the test that each one leaves an audit row. */
      writeRoutes: string[]
      sweep: () => Promise<{ expired: number, completed: number }>
    }
  }
}

const RETRY_MS = 10_000

/**
 * The scheduling core: migrations at start (retried in the background while the database
 * is away, so TovWatch itself stays up and says why), the /api/ routes, the expiry sweep
 * and a 'scheduling' health check.
 */
export default fp(async (app) => {
  const { config } = app
  const pool = app.deps.pg.kind === 'embedded' ? serialPool(app.deps.pg.app) : app.deps.pg.app
  const expected = migrationNames().length
  const state: SchedState = { ready: false, error: null, applied: [], expected }
  const ctx: SchedContext = { pool, metrics: createSchedMetrics(app.metrics.registry), state, embedded: app.deps.pg.kind === 'embedded', plain: app.deps.pg.kind === 'embedded' || config.databasePoolMode === 'transaction', tokenCache: createTokenCache() }
  const writeRoutes: string[] = []
  let timer: NodeJS.Timeout | undefined
  let closed = false

  async function tryMigrate (): Promise<void> {
    try {
      const applied = await migrate(pool, { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) })
      if (applied.length > 0) app.log.info({ applied }, 'scheduling migrations applied')
      state.ready = true
      state.error = null
    } catch (err) {
      state.error = `migrations failed: ${(err as Error).message.split('\n')[0]}`
      app.log.error({ err }, 'scheduling migrations failed; retrying')
      if (!closed) timer = setTimeout(() => { tryMigrate().catch(() => {}) }, RETRY_MS).unref()
    }
  }
  await tryMigrate()

  const runSweep = () => sweep(pool, 500, config.scheduling.idempotencyKeyTtlH)
  const sweeper = setInterval(() => {
    if (!state.ready) return
    runSweep().then((r) => {
      if (r.expired + r.completed > 0) app.log.info({ event: 'scheduling.sweep', ...r }, 'expired requests and completed sessions marked')
    }, (err) => app.log.warn({ err: { message: (err as Error).message } }, 'scheduling sweep failed'))
  }, config.scheduling.sweepIntervalS * 1000).unref()

  app.addHook('onClose', async () => {
    closed = true
    clearTimeout(timer)
    clearInterval(sweeper)
  })

  app.decorate('scheduling', { state, writeRoutes, sweep: runSweep })

  app.health.register('scheduling', async () => {
    const kind = app.deps.pg.kind
    if (!state.ready) return { status: 'down', kind, latencyMs: null, message: state.error ?? 'migrations are running' }
    const started = performance.now()
    try {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`)
      const n = rows[0]?.n ?? 0
      const latencyMs = Math.round(performance.now() - started)
      if (n < expected) return { status: 'degraded', kind, latencyMs, message: `${n} of ${expected} migrations applied` }
      return { status: 'up', kind, latencyMs, message: `${n} migrations applied` }
    } catch (err) {
      return { status: 'down', kind, latencyMs: null, message: `database unreachable: ${(err as Error).message}` }
    }
  })

  await app.register(schedulingApi, { ctx, writeRoutes })
  await app.register(dashboardAuditRoutes, { ctx, prefix: routePrefix(config.basePath) })
}, { name: 'scheduling', decorators: { fastify: ['config', 'deps', 'metrics', 'health'] } })
