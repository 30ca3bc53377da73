import type { FastifyInstance } from 'fastify'
import { Counter } from 'prom-client'
import { routePrefix } from '../../infra/http.js'
import { M } from '../../metrics/names.js'
import { runFeed, type FeedDeps } from '../feed.js'
import { createFeedLifecycle, type FeedLifecycle } from './feed-pass.js'
import { createLiveLifecycle, type LiveLifecycle } from './live-pass.js'
import { migrateLifecycleStore } from './migrate.js'
import { createNewGroupAlerts } from './new-group-alert.js'
import { lifecycleRoutes } from './routes.js'
import { createLifecycleStore, type LifecycleStore } from './store.js'
import { startNewGroupWatch, watchWindowMs } from './watch.js'

/**
 * Wires the error lifecycle into the errors plugin: its tables on ready (the feed answers without
 * it until then, saying so), the feed pass, the new-group alerts and their watch, its routes.
 */
export async function setupErrorLifecycle (app: FastifyInstance, feed: Omit<FeedDeps, 'lifecycle' | 'linesClassified'>): Promise<{ lifecycle: FeedLifecycle | undefined, live: LiveLifecycle | undefined, checkNow: () => Promise<void> }> {
  const { config } = app
  // A part built without TovWatch's store (some unit tests) has no lifecycle: the feed answers without it.
  const maybePool = (app.deps as Partial<typeof app.deps>).pg?.store
  if (maybePool === undefined) return { lifecycle: undefined, live: undefined, checkNow: async () => {} }
  const pool = maybePool
  const lc = config.errors.lifecycle
  const log = app.log.child({ component: 'error-lifecycle' })
  const registry = app.metrics.registry
  const newGroups = new Counter({
    name: M.errorNewGroups,
    help: 'Critical and high error groups seen for the first time ever, by severity and whether their own TovWatchNewErrorGroup was raised (false: past the rate limit, summed in one alert)',
    labelNames: ['severity', 'alerted'] as const,
    registers: [registry],
  })
  const actions = new Counter({ name: M.errorGroupActions, help: 'Error group resolves, unresolves, mutes and unmutes', labelNames: ['action'] as const, registers: [registry] })

  let ready: LifecycleStore | undefined
  const store = createLifecycleStore(pool)
  const alerts = createNewGroupAlerts({ sink: app.alertSink, limit: lc.newGroupAlertLimit, windowMs: lc.newGroupAlertWindowMs, counter: newGroups })
  const lifecycle = createFeedLifecycle({
    store: () => ready,
    alerts,
    alertWindowMs: lc.newGroupAlertWindowMs,
    onError: (err) => log.warn({ err: { message: err.message } }, 'error lifecycle store failed'),
  })

  const live = createLiveLifecycle({ store: () => ready, onError: (err) => log.warn({ err: { message: err.message } }, 'error lifecycle store failed (live tail)') })

  await app.register(lifecycleRoutes, {
    store: () => ready,
    triageRole: lc.triageRole,
    onTriaged: (fp) => alerts.triaged(fp),
    onAction: (action) => { actions.inc({ action }); live.changed() },
    prefix: routePrefix(config.basePath),
  })

  // The watch's feed runs are not the users': they stay out of the lines-classified counter.
  const quiet = new Counter({ name: 'tovwatch_error_lifecycle_watch_lines', help: 'not exported', labelNames: ['severity'] as const, registers: [] })
  const intervalMs = lc.newGroupCheckS * 1000
  const watch = startNewGroupWatch({
    intervalMs,
    sweep: () => alerts.sweep(),
    check: async () => {
      if (ready === undefined) return
      const end = Date.now()
      await runFeed({ ...feed, linesClassified: quiet, lifecycle }, { startMs: end - watchWindowMs(intervalMs), endMs: end, minSeverity: 'high', filter: undefined, limit: 1, muted: 'include' })
    },
    onError: (err) => log.warn({ err: { message: err.message } }, 'new error group check failed'),
  })

  app.addHook('onReady', async () => {
    try {
      await migrateLifecycleStore(pool, (msg) => log.debug(msg))
      ready = store
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'error lifecycle store unavailable: the feed shows no lifecycle until it is')
      retry()
    }
  })
  let retryTimer: NodeJS.Timeout | undefined
  function retry () {
    retryTimer = setTimeout(() => {
      migrateLifecycleStore(pool, (msg) => log.debug(msg)).then(() => { ready = store }, () => retry())
    }, 10_000)
    retryTimer.unref()
  }
  app.addHook('preClose', async () => { watch.stop(); clearTimeout(retryTimer) })
  return { lifecycle, live, checkNow: watch.tick }
}
