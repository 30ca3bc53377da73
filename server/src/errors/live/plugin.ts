import fp from 'fastify-plugin'
import { createLiveChannel } from './channel.js'
import { createLiveRefresher } from './refresher.js'
import type { LiveFrame } from './schemas.js'

const refuseAll = {
  prefix: 'errors.',
  onMessage (peer: { send: (frame: Buffer) => void }, msg: Record<string, unknown>) {
    const frame: LiveFrame = { type: 'errors.live.refused', id: typeof msg.id === 'string' ? msg.id.slice(0, 64) : '', reason: 'off', message: 'the live error feed is off on this instance (ERRORS_LIVE_INTERVAL_MS=0): reload to see new errors' }
    if (msg.type === 'errors.subscribe') peer.send(Buffer.from(JSON.stringify(frame)))
  },
  onClose () {},
}

/**
 * The live error feed (ERRORS_LIVE_INTERVAL_MS; 0: off): one shared refresh of the open end per
 * instance, pushed on the alert stream to the pages that subscribe. Registered after the errors
 * plugin (its classifier) and the alerts plugin (the stream).
 */
export default fp(async (app) => {
  const intervalMs = app.config.errors.liveIntervalMs
  if (intervalMs === 0) {
    // Off: a page that asks is told so (and reloads on its own), its socket kept.
    app.alerts.hub.addChannel(refuseAll)
    return
  }
  const refresher = createLiveRefresher({
    logSource: app.deps.logSource,
    classifier: app.errorClassifier,
    intervalMs,
    groupLabels: app.config.errors.groupLabels,
    eventGapMs: app.config.errors.eventGapMs,
    lifecycle: app.errorLifecycle.live,
    onError: (err) => app.log.warn({ err: { message: err.message } }, 'live error refresh failed'),
  })
  app.alerts.hub.addChannel(createLiveChannel({ refresher, maxRangeDays: app.config.maxRangeDays }))
  app.decorate('liveErrors', refresher)
  app.addHook('preClose', async () => { await refresher.stop() })
}, { name: 'errors-live', dependencies: ['errors', 'alerts'], decorators: { fastify: ['config', 'deps', 'alerts', 'errorClassifier', 'errorLifecycle'] } })

declare module 'fastify' {
  interface FastifyInstance {
    /** The live error feed's shared refresher (absent when ERRORS_LIVE_INTERVAL_MS=0). */
    liveErrors?: ReturnType<typeof createLiveRefresher>
  }
}
