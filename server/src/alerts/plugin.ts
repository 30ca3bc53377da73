import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { deadLetterRoutes } from './dead-letter-routes.js'
import { createDeadLetters } from './dead-letters.js'
import { routePrefix } from '../infra/http.js'
import { registerAlertHealth } from './health.js'
import { createHub, type Hub } from './hub.js'
import { createInternalAlerts } from './internal.js'
import { createAlertMetrics } from './metrics.js'
import { migrateAlertStore } from './migrate.js'
import { createDispatcher } from './notifiers/dispatcher.js'
import { createPipeline, type Pipeline } from './pipeline.js'
import { createRejections } from './rejections.js'
import { alertRoutes } from './routes.js'
import { createAlertStore, type AlertStore } from './store.js'
import { registerSilences } from './silences/plugin.js'
import { streamRoutes } from './stream.js'
import { webhookRoutes } from './webhook.js'

export interface AlertsService {
  store: AlertStore
  pipeline: Pipeline
  hub: Hub
  /** Empty when the store is ready; otherwise why not. */
  notReady: () => string
  whenReady: () => Promise<void>
  internal: ReturnType<typeof createInternalAlerts>
  dispatcher: ReturnType<typeof createDispatcher>
}

declare module 'fastify' {
  interface FastifyInstance { alerts: AlertsService }
}

const INIT_RETRY_MS = 10_000
const RETENTION_EVERY_MS = 3600_000
/** Long enough for every internal check to run twice after a restart (Loki needs 2 polls, the spike check runs each minute). */
const RECONCILE_GRACE_MS = (config: Config) => Math.max(3 * config.database.probeIntervalS * 1000, 150_000)

/**
 * Alerts: Alertmanager webhooks and the internal alert sink → store (commit) → bus →
 * WebSocket hub on every instance, and notifiers. The checks themselves live with the
 * part that owns their data (database/checks.ts, errors/spike.ts, logs/reachability.ts). TovWatch starts even when the
 * store does not answer; the receiver then says 503 until it does.
 */
export default fp(async (app) => {
  const { config } = app
  const log = app.log.child({ part: 'alerts' })
  const store = createAlertStore(app.deps.pg.store, app.deps.pg.storeStream)
  const metrics = createAlertMetrics(app.metrics.registry, () => store.firingCounts())
  const dispatcher = createDispatcher(config, store, metrics, log)
  const pipeline = createPipeline({ store, bus: app.deps.bus, metrics, log, onStored: (events) => dispatcher.onStored(events) })
  const hub = createHub({ store, bus: app.deps.bus, metrics, log, queueLimit: config.alerts.wsQueueLimit, snapshotLimit: config.alerts.snapshotLimit })
  const internal = createInternalAlerts(config, () => pipeline, log)
  const deadLetters = createDeadLetters(app.deps.pg.store)
  const rejections = createRejections({ deadLetters, metrics, sink: app.alertSink, log })

  let problem = 'starting'
  let closed = false
  const timers: NodeJS.Timeout[] = []
  let readyWaiters: Array<() => void> = []

  async function prune () {
    try {
      const r = { ...await store.prune(config.alerts.retentionDays), deadLetters: await deadLetters.prune(config.alerts.retentionDays) }
      if (r.alerts + r.events + r.deadLetters > 0) log.info(r, 'alert retention: deleted old resolved alerts and events')
    } catch (err) {
      metrics.storeErrors.inc({ operation: 'retention' })
      log.warn({ err: { message: (err as Error).message } }, 'alert retention failed')
    }
  }

  async function init () {
    await migrateAlertStore(app.deps.pg.store, (msg) => log.debug(msg))
    const storeId = await store.storeId()
    const channel = `tovwatch:alerts:${storeId}`
    pipeline.setChannel(channel)
    await hub.start(channel)
    internal.adopt(await store.firingInternal(), RECONCILE_GRACE_MS(config))
    problem = ''
    for (const w of readyWaiters.splice(0)) w()
    prune()
    timers.push(setInterval(() => { prune() }, RETENTION_EVERY_MS))
  }

  async function tryInit () {
    try {
      await init()
    } catch (err) {
      problem = `alert store unreachable: ${(err as Error).message}`
      log.error({ err: { message: (err as Error).message } }, 'alert store not ready; retrying in the background')
      if (!closed) timers.push(setTimeout(() => { tryInit() }, INIT_RETRY_MS))
    }
  }
  await tryInit()
  for (const t of timers) t.unref()

  const service: AlertsService = {
    store,
    pipeline,
    hub,
    notReady: () => problem,
    whenReady: () => (problem === '' ? Promise.resolve() : new Promise((resolve) => { readyWaiters.push(resolve) })),
    internal,
    dispatcher,
  }
  app.decorate('alerts', service)

  app.alertSink.attach(internal.handler)
  internal.start()
  registerAlertHealth(app, config, service)

  const notReady = () => problem
  const prefix = routePrefix(config.basePath)
  await app.register(webhookRoutes, { pipeline: () => pipeline, rejections, notReady, prefix })
  await app.register(deadLetterRoutes, { deadLetters, notReady, prefix })
  await app.register(alertRoutes, { store: () => store, pipeline: () => pipeline, notReady, prefix })
  await app.register(streamRoutes, { metrics, hub: () => (problem === '' ? hub : undefined), prefix })
  await registerSilences(app, service, prefix)

  app.addHook('preClose', async () => {
    closed = true
    readyWaiters = []
    for (const t of timers) clearTimeout(t)
    internal.stop()
    dispatcher.stop()
    rejections.stop()
    await hub.stop()
  })
}, { name: 'alerts', dependencies: ['@fastify/websocket'], decorators: { fastify: ['config', 'deps', 'metrics', 'health', 'alertSink'] } })
