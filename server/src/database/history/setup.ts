import crypto from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { databaseNameOf } from '../../config.js'
import { routePrefix } from '../../infra/http.js'
import type { DatabaseWatch } from '../watch.js'
import { migrateHistoryStore } from './migrate.js'
import { historyRoutes } from './routes.js'
import { createDatabaseHistory, type DatabaseHistory } from './service.js'
import { createSeriesStore } from './store.js'

/**
 * Wires the history into the database plugin: the store's table on ready (before the
 * first probe), every probe recorded, its routes. The store failing never stops the
 * watch: history then starts from now, and its gap shows.
 */
export async function setupDatabaseHistory (app: FastifyInstance, watch: DatabaseWatch): Promise<DatabaseHistory> {
  const { config, deps } = app
  const log = app.log.child({ component: 'database-history' })
  const history = createDatabaseHistory({
    store: createSeriesStore(deps.pg.store),
    ns: historyNamespace(config.database.monitorUrl, config.database.expectedDatabase),
    probeIntervalS: config.database.probeIntervalS,
    drop: { pct: config.database.history.dropWarnPct, rows: config.database.history.dropWarnRows, windowMs: config.database.history.dropWindowMs },
    sink: app.alertSink,
    registry: app.metrics.registry,
    log,
  })
  watch.onProbe((s) => { history.record(s).catch((err: unknown) => log.warn({ err }, 'database history: probe not recorded')) })
  await app.register(historyRoutes, { watch, history, prefix: routePrefix(config.basePath) })
  app.addHook('onReady', async () => {
    try {
      await migrateHistoryStore(deps.pg.store, (msg) => log.debug(msg))
      await history.load()
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'database history store unavailable: history starts from now')
    }
  })
  app.addHook('onClose', async () => { await history.flush() })
  return history
}

/** One history per monitored database (as the watch's own keys): a URL without its password, and the expected name. */
export function historyNamespace (monitorUrl: string | undefined, expectedDatabase: string | undefined): string {
  let u = monitorUrl ?? 'embedded'
  try { const x = new URL(u); x.password = ''; u = x.toString() } catch {}
  return crypto.createHash('sha256').update(u + '|' + (expectedDatabase ?? databaseNameOf(monitorUrl) ?? 'postgres')).digest('hex').slice(0, 12)
}
