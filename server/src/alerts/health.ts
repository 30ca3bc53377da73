import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import { webhookAuthState } from './webhook-auth.js'

/** What the health checks read of the alerts service. */
export interface AlertsState {
  notReady: () => string
  internal: { queued: () => number }
  hub: { clientCount: () => number, lastEventId: () => number }
}

/** 'alert-webhook' says whether Alertmanager can deliver; 'alert-store' whether alerts are kept and streamed. */
export function registerAlertHealth (app: FastifyInstance, config: Config, s: AlertsState) {
  const auth = webhookAuthState(config.alerts)
  app.health.register('alert-webhook', async () => {
    if (!auth.open) return { status: 'disabled', kind: 'closed', latencyMs: null, message: auth.message }
    if (auth.mode === 'unauthenticated') {
      return { status: 'degraded', kind: 'unauthenticated', latencyMs: null, message: 'Open without authentication (ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true): for local trials only' }
    }
    return { status: 'up', kind: auth.mode, latencyMs: null, message: `accepting Alertmanager webhooks (${auth.mode} auth)` }
  })
  app.health.register('alert-store', async () => {
    const kind = app.deps.pg.kind
    if (s.notReady() !== '') return { status: 'down', kind, latencyMs: null, message: s.notReady() }
    const started = performance.now()
    try {
      await app.deps.pg.store.query('SELECT 1 FROM tw_alert_store')
    } catch (err) {
      return { status: 'down', kind, latencyMs: null, message: `alert store unreachable: ${(err as Error).message}; Alertmanager deliveries get 503 and are retried` }
    }
    const latencyMs = Math.round(performance.now() - started)
    const queued = s.internal.queued()
    if (queued > 0) return { status: 'degraded', kind, latencyMs, message: `${queued} internal alert(s) waiting to be stored` }
    return { status: 'up', kind, latencyMs, message: `ok; ${s.hub.clientCount()} stream client(s), last event id ${s.hub.lastEventId()}` }
  })
}
