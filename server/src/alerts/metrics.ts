import { Counter, Gauge, type Registry } from 'prom-client'
import { M } from '../metrics/names.js'
import { SEVERITIES } from '../metrics/names.js'

export type AlertMetrics = ReturnType<typeof createAlertMetrics>

/** The alert pipeline's metrics; the firing gauge reads the store lazily at scrape time. */
export function createAlertMetrics (registry: Registry, firingCounts: () => Promise<Record<string, number>>) {
  const registers = [registry]
  return {
    received: new Counter({ name: M.alertsReceived, help: 'Alerts received, by source (alertmanager webhook or tovwatch internal checks)', labelNames: ['source'] as const, registers }),
    firing: new Gauge({
      name: M.alertsFiring,
      help: 'Alerts currently firing in the store, by severity',
      labelNames: ['severity'] as const,
      registers,
      async collect () {
        try {
          const counts = await firingCounts()
          for (const s of [...SEVERITIES, 'none'] as const) this.set({ severity: s }, counts[s] ?? 0)
        } catch {
          // Store down: keep the last values; tovwatch_alert_store_errors_total says why.
        }
      },
    }),
    eventsStored: new Counter({ name: M.alertEventsStored, help: 'Alert events written to the store (firing, resolved, ack, updated)', labelNames: ['kind'] as const, registers }),
    storeErrors: new Counter({ name: M.alertStoreErrors, help: 'Failed writes to the alert store, by operation', labelNames: ['operation'] as const, registers }),
    webhookRejected: new Counter({ name: M.webhookRejected, help: 'Webhook alerts not stored as sent and kept as dead letters, by reason', labelNames: ['reason'] as const, registers }),
    snapshotsComputed: new Counter({ name: M.snapshotsComputed, help: 'Stream snapshots read from the store (each shared by every client connecting meanwhile)', registers }),
    wsClients: new Gauge({ name: M.wsClients, help: 'WebSocket clients connected to the alert stream', registers }),
    wsDisconnects: new Counter({ name: M.wsDisconnects, help: 'Alert stream disconnects, by reason', labelNames: ['reason'] as const, registers }),
    notifierSent: new Counter({ name: M.notifierSent, help: 'Notifier messages, by notifier and outcome', labelNames: ['notifier', 'outcome'] as const, registers }),
  }
}
