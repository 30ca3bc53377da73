import fp from 'fastify-plugin'
import { createLokiReachabilityCheck } from './reachability.js'

/** The log source's own check: Loki unreachable for 2 probes raises TovWatchLokiUnreachable through the alert sink. */
export default fp(async (app) => {
  const pollS = app.config.database.probeIntervalS
  const checkLoki = createLokiReachabilityCheck({ source: app.deps.logSource, sink: app.alertSink, pollS })
  const timer = setInterval(() => {
    checkLoki().catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'loki check failed'))
  }, pollS * 1000)
  timer.unref()
  app.addHook('preClose', async () => { clearInterval(timer) })
}, { name: 'logs', decorators: { fastify: ['config', 'deps', 'alertSink'] } })
