import fp from 'fastify-plugin'
import { createLiveChannel } from './channel.js'
import { createLiveRefresher } from './refresher.js'

/**
 * The live error feed (ERRORS_LIVE_INTERVAL_MS; 0: off): one shared refresh of the open end per
 * instance, pushed on the alert stream to the pages that subscribe. Registered after the errors
 * plugin (its classifier) and the alerts plugin (the stream).
 */
export default fp(async (app) => {
  const intervalMs = app.config.errors.liveIntervalMs
  if (intervalMs === 0) return
  const refresher = createLiveRefresher({
    logSource: app.deps.logSource,
    classifier: app.errorClassifier,
    intervalMs,
    groupLabels: app.config.errors.groupLabels,
    eventGapMs: app.config.errors.eventGapMs,
    onError: (err) => app.log.warn({ err: { message: err.message } }, 'live error refresh failed'),
  })
  app.alerts.hub.addChannel(createLiveChannel({ refresher, maxRangeDays: app.config.maxRangeDays }))
  app.decorate('liveErrors', refresher)
  app.addHook('preClose', async () => { await refresher.stop() })
}, { name: 'errors-live', dependencies: ['errors', 'alerts'], decorators: { fastify: ['config', 'deps', 'alerts', 'errorClassifier'] } })

declare module 'fastify' {
  interface FastifyInstance {
    /** The live error feed's shared refresher (absent when ERRORS_LIVE_INTERVAL_MS=0). */
    liveErrors: ReturnType<typeof createLiveRefresher>
  }
}
