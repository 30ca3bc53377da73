import type { FastifyBaseLogger } from 'fastify'
import type { DeadLetters } from './dead-letters.js'
import type { AlertMetrics } from './metrics.js'
import type { AlertSink } from './sink.js'
import type { Rejected } from './webhook-input.js'

const ALERT_KEY = 'alerts:dead-letters'
/** The internal alert resolves after this long without a new dead letter. */
const QUIET_MS = 3600_000

export type Rejections = ReturnType<typeof createRejections>

/**
 * Alerts that could not be stored as sent: kept as dead letters (with the alert as sent and why),
 * counted in tovwatch_webhook_rejected_total{reason}, and raised as an internal alert.
 */
export function createRejections (o: { deadLetters: DeadLetters, metrics: AlertMetrics, sink: AlertSink, log: FastifyBaseLogger, quietMs?: number }) {
  let recent = 0
  let timer: NodeJS.Timeout | undefined
  return {
    /** Throws when the store cannot keep them: the webhook then answers 503 and is redelivered. */
    async record (rejected: Rejected[]): Promise<void> {
      if (rejected.length === 0) return
      await o.deadLetters.add(rejected)
      const reasons = new Map<string, number>()
      for (const r of rejected) {
        o.metrics.webhookRejected.inc({ reason: r.reason })
        reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1)
      }
      recent += rejected.length
      o.log.warn({ rejected: rejected.length, reasons: Object.fromEntries(reasons), first: rejected[0]?.message }, 'webhook alerts kept as dead letters')
      o.sink.raise(ALERT_KEY, {
        alertname: 'TovWatchWebhookAlertsRejected',
        severity: 'medium',
        labels: {},
        summary: `${recent} alert(s) from Alertmanager could not be stored as sent`,
        description: `Kept as dead letters in the Alerts view, with the alert as sent and why (last: ${rejected[0]?.message ?? ''}). Fix the rule or the limit it exceeded.`,
        view: 'alerts',
      })
      clearTimeout(timer)
      timer = setTimeout(() => { recent = 0; o.sink.resolve(ALERT_KEY) }, o.quietMs ?? QUIET_MS)
      timer.unref()
    },
    stop () { clearTimeout(timer) },
  }
}
