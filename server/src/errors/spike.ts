import type { Gauge } from 'prom-client'
import type { AlertSink } from '../alerts/sink.js'
import type { ErrorStats } from './stats.js'

const WINDOW_MS = 5 * 60_000
export const SPIKE_POLL_MS = 60_000
/** Below this many HIGH+CRITICAL lines in 5 minutes nothing is a spike, whatever the baseline. */
const SPIKE_MIN = 20
const SPIKE_FACTOR = 3

/** The alert name this check raises (rules/alerts.yml names it as a twin). */
export const ERROR_SPIKE_ALERT = 'TovWatchErrorSpike'

export function median (xs: number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Spike when the last 5 minutes exceed both the floor and 3x the median 5-minute window of the hour before. */
export function spikeThreshold (baselineWindows: number[]): number {
  return Math.max(SPIKE_MIN, Math.ceil(median(baselineWindows) * SPIKE_FACTOR))
}

export interface ErrorSpikeCheckOptions {
  stats: ErrorStats
  sink: AlertSink
  /** tovwatch_error_spike: 1 while spiking. */
  gauge: Gauge
  now?: () => number
}

/** The error spike check: HIGH+CRITICAL lines of the last 5 minutes against the hour before. */
export function createErrorSpikeCheck ({ stats, sink, gauge, now = Date.now }: ErrorSpikeCheckOptions) {
  const baselineCache = new Map<number, number>()
  const serious = (w: { counts: Partial<Record<string, number>> }) => (w.counts.high ?? 0) + (w.counts.critical ?? 0)

  return async function checkSpike (): Promise<void> {
    const end = now()
    const current = await stats.countsSince(end - WINDOW_MS, end)
    // Baseline: the 12 closed, aligned 5-minute windows before the current one; closed ones are cached.
    const lastClosed = Math.floor((end - WINDOW_MS) / WINDOW_MS) * WINDOW_MS
    const previous: number[] = []
    for (let i = 1; i <= 12; i++) {
      const start = lastClosed - i * WINDOW_MS
      let n = baselineCache.get(start)
      if (n === undefined) {
        const w = await stats.countsSince(start, start + WINDOW_MS)
        n = serious(w)
        if (w.complete) baselineCache.set(start, n)
      }
      previous.push(n)
    }
    for (const k of baselineCache.keys()) if (k < lastClosed - 13 * WINDOW_MS) baselineCache.delete(k)
    const value = serious(current)
    const threshold = spikeThreshold(previous)
    if (value >= threshold) {
      gauge.set(1)
      sink.raise('error-spike', {
        alertname: ERROR_SPIKE_ALERT,
        severity: 'high',
        labels: {},
        summary: 'HIGH and CRITICAL errors are spiking',
        description: `${value} HIGH/CRITICAL errors in the last 5 minutes; the threshold from the last hour is ${threshold} (3x the median 5-minute window, at least ${SPIKE_MIN}).${current.complete ? '' : ' The count is incomplete, so the real number is higher.'}`,
        view: 'errors',
      })
    } else if (current.complete) {
      // An incomplete count can only be too low: it may raise, never resolve.
      gauge.set(0)
      sink.resolve('error-spike')
    }
  }
}
