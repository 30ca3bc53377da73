import type { AlertSink } from '../alerts/sink.js'
import type { LogSource } from './source.js'

const DOWN_POLLS = 2

/** The alert name this check raises (rules/alerts.yml names it as a twin). */
export const LOKI_UNREACHABLE_ALERT = 'TovWatchLokiUnreachable'

export interface ReachabilityOptions {
  source: LogSource
  sink: AlertSink
  /** How often it is polled, for the alert's text. */
  pollS: number
}

/** Loki unreachable: raised after 2 failed health probes in a row, resolved by the next good one. File sources are never checked. */
export function createLokiReachabilityCheck ({ source, sink, pollS }: ReachabilityOptions) {
  let failures = 0
  return async function checkLoki (): Promise<void> {
    if (source.kind !== 'loki') return
    const h = await source.health().catch((err: unknown) => ({ status: 'down' as const, message: (err as Error).message }))
    if (h.status !== 'down') {
      failures = 0
      sink.resolve('loki-unreachable')
      return
    }
    failures++
    if (failures >= DOWN_POLLS) {
      sink.raise('loki-unreachable', {
        alertname: LOKI_UNREACHABLE_ALERT,
        severity: 'high',
        labels: {},
        summary: 'Loki is unreachable: the error feed cannot be read',
        description: `TovWatch could not reach Loki for ${failures} probes in a row (every ${pollS}s). Last error: ${h.message.slice(0, 300)}`,
        view: 'errors',
      })
    }
  }
}
