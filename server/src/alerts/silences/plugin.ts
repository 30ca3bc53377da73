import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { AlertsService } from '../plugin.js'
import { createAlertmanagerClient } from './client.js'
import { createMuting } from './muting.js'
import { silenceRoutes } from './routes.js'

/**
 * Silences (Alertmanager API v2) and the silenced/inhibited state, pushed on the alert stream as
 * `{ type: 'muting', ... }`. Without ALERTMANAGER_URL the routes answer that they need it; nothing fails.
 */
export async function registerSilences (app: FastifyInstance, alerts: AlertsService, prefix: string): Promise<void> {
  const { config } = app
  const am = config.alerts.alertmanager
  const client = am.url === undefined ? undefined : createAlertmanagerClient({ ...am, url: am.url }, app.metrics)
  const muting = createMuting({
    client,
    bus: app.deps.bus,
    channel: silencesChannel(am.url),
    pollMs: am.pollS * 1000,
    push: (state) => alerts.hub.broadcast({ type: 'muting', ...state }),
    log: app.log.child({ part: 'silences' }),
  })
  await app.register(silenceRoutes, { client, muting, store: alerts.store, prefix })
  // From the last poll, never a call of its own: health stays fast when Alertmanager is slow.
  app.health.register('alertmanager', async () => {
    const s = muting.state()
    if (!s.available) return { status: 'disabled', kind: 'none', latencyMs: null, message: 'ALERTMANAGER_URL is not set: no silences, no silenced/inhibited marks' }
    if (s.error !== '') return { status: 'down', kind: 'api-v2', latencyMs: null, message: s.error }
    return { status: s.measuredAt === null ? 'degraded' : 'up', kind: 'api-v2', latencyMs: null, message: s.measuredAt === null ? 'not read yet' : `silenced/inhibited state read at ${s.measuredAt}` }
  })
  await muting.start()
  app.addHook('preClose', async () => { await muting.stop() })
}

/**
 * The bus channel that says "silences changed": one per Alertmanager, so deployments sharing a Redis
 * do not wake each other. Named by a hash of the URL, never the URL itself (it may hold credentials).
 */
export function silencesChannel (alertmanagerUrl: string | undefined): string {
  const id = createHash('sha256').update(alertmanagerUrl ?? '').digest('hex').slice(0, 16)
  return `tovwatch:alertmanager:silences:${id}`
}
