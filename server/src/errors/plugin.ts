import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { routePrefix } from '../infra/http.js'
import { M, SEVERITIES } from '../metrics/names.js'
import { createClassifier, type Classifier } from './classifier.js'
import type { ErrorsAnswer } from './feed.js'
import contextRoutes from './context/routes.js'
import errorsRoutes from './routes.js'
import type { LiveLifecycle } from './lifecycle/live-pass.js'
import { setupErrorLifecycle } from './lifecycle/setup.js'
import { createSingleFlight } from './singleflight.js'
import { DEFAULT_RULES_FILE, loadRules } from './rules.js'
import { createErrorSpikeCheck, SPIKE_POLL_MS } from './spike.js'
import { createErrorStats, startRecentErrorsJob, type ErrorStats } from './stats.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Exact error counts per severity (the recent-errors gauge and the error spike check). */
    errorStats: ErrorStats
    /** The noise and severity rules, compiled once (the live feed, errors/live/, classifies with it too). */
    errorClassifier: Classifier
    /** The new-group check, run now (tests; it also runs every ERROR_NEW_GROUP_CHECK_S). */
    /** live: the lifecycle's read path for the live tails (errors/live/); undefined without TovWatch's store. */
    errorLifecycle: { checkNow: () => Promise<void>, live: LiveLifecycle | undefined }
  }
}

export interface ErrorsPluginOptions {
  /** Tests point this at a broken file; production ships rules/noise.yml. */
  rulesFile?: string
}

/**
 * The error feed: noise and severity rules (a broken rules file stops the start,
 * naming the rule), GET {BASE_PATH}/api/errors, errorStats, the recent-errors gauge, and
 * the error spike check (raised through the alert sink).
 */
export default fp<ErrorsPluginOptions>(async (app, opts) => {
  const rules = loadRules(opts.rulesFile ?? app.config.noiseRulesFile ?? DEFAULT_RULES_FILE)
  const classifier = createClassifier(rules)
  app.decorate('errorClassifier', classifier)
  const registry = app.metrics.registry
  const linesClassified = new Counter({
    name: M.linesClassified,
    help: 'Log lines classified by the error feed, by result (a severity, or noise for lines that are not errors)',
    labelNames: ['severity'] as const,
    registers: [registry],
  })
  for (const s of [...SEVERITIES, 'noise']) linesClassified.inc({ severity: s }, 0)
  const errorsRecent = new Gauge({
    name: M.errorsRecent,
    help: 'Error lines per severity in the last 5 minutes (noise excluded), refreshed every minute',
    labelNames: ['severity'] as const,
    registers: [registry],
  })

  const stats = createErrorStats(app.deps.logSource, classifier, app.config.errors.maxEntries)
  app.decorate('errorStats', stats)
  const job = startRecentErrorsJob(stats, errorsRecent, (err) => app.log.warn({ err: { message: err.message } }, 'recent error counts failed'))
  app.addHook('onReady', async () => { job.run().catch(() => {}) })
  app.addHook('onClose', async () => job.stop())

  const spikeGauge = new Gauge({ name: M.errorSpike, help: '1 while HIGH and CRITICAL errors are well above their recent baseline', registers: [registry] })
  const checkSpike = createErrorSpikeCheck({ stats, sink: app.alertSink, gauge: spikeGauge })
  const spike = () => { checkSpike().catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'error spike check failed')) }
  const spikeTimer = setInterval(spike, SPIKE_POLL_MS)
  spikeTimer.unref()
  spike()
  app.addHook('preClose', async () => { clearInterval(spikeTimer) })

  const feedsShared = new Counter({ name: M.feedsShared, help: 'Error feed requests answered by a computation already in flight for the same question (single flight)', registers: [registry] })
  const flights = createSingleFlight<ErrorsAnswer>(() => feedsShared.inc())
  const { lifecycle, live, checkNow } = await setupErrorLifecycle(app, { logSource: app.deps.logSource, classifier, maxEntries: app.config.errors.maxEntries, groupLabels: app.config.errors.groupLabels, eventGapMs: app.config.errors.eventGapMs })
  app.decorate('errorLifecycle', { checkNow, live })
  await app.register(errorsRoutes, { classifier, linesClassified, flights, lifecycle, prefix: routePrefix(app.config.basePath) })
  await app.register(contextRoutes, { prefix: routePrefix(app.config.basePath) })
  app.log.debug({ rules: rules.rules.length, file: rules.file }, 'error feed rules loaded')
}, { name: 'errors', decorators: { fastify: ['config', 'deps', 'metrics', 'alertSink'] } })
