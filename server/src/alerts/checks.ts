import type { FastifyInstance } from 'fastify'
import type { AlertMetrics } from './metrics.js'

type Severity = 'critical' | 'high' | 'medium' | 'low'
/** Decorated by the errors part as `app.errorStats`; feature-detected because it may be absent. */
export interface ErrorStats {
  countsSince: (startMs: number, endMs: number) => Promise<{ counts: Record<Severity, number>, complete: boolean }>
}

const WINDOW_MS = 5 * 60_000
const SPIKE_POLL_MS = 60_000
/** Below this many HIGH+CRITICAL lines in 5 minutes nothing is a spike, whatever the baseline. */
const SPIKE_MIN = 20
const SPIKE_FACTOR = 3
const LOKI_DOWN_POLLS = 2

/** The alert names these checks raise (rules/alerts.yml names them as twins). */
export const CHECK_ALERTS = { lokiUnreachable: 'TovWatchLokiUnreachable', errorSpike: 'TovWatchErrorSpike' } as const

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

export interface ChecksOptions { lokiPollMs?: number, spikePollMs?: number, now?: () => number }

/** Loki unreachable and the error spike: the internal checks that belong to the alerts part. */
export function createInternalChecks (app: FastifyInstance, metrics: AlertMetrics, opts: ChecksOptions = {}) {
  const now = opts.now ?? Date.now
  const timers: NodeJS.Timeout[] = []
  let lokiFailures = 0
  const baselineCache = new Map<number, number>()
  const serious = (w: { counts: Partial<Record<Severity, number>> }) => (w.counts.high ?? 0) + (w.counts.critical ?? 0)

  async function checkLoki () {
    const source = app.deps.logSource
    if (source.kind !== 'loki') return
    const h = await source.health().catch((err: unknown) => ({ status: 'down' as const, message: (err as Error).message }))
    if (h.status !== 'down') {
      lokiFailures = 0
      app.alertSink.resolve('loki-unreachable')
      return
    }
    lokiFailures++
    if (lokiFailures >= LOKI_DOWN_POLLS) {
      app.alertSink.raise('loki-unreachable', {
        alertname: CHECK_ALERTS.lokiUnreachable,
        severity: 'high',
        labels: {},
        summary: 'Loki is unreachable: the error feed cannot be read',
        description: `TovWatch could not reach Loki for ${lokiFailures} probes in a row (every ${app.config.probeIntervalS}s). Last error: ${h.message.slice(0, 300)}`,
        view: 'errors',
      })
    }
  }

  async function checkSpike () {
    const stats = (app as unknown as { errorStats?: ErrorStats }).errorStats
    if (stats === undefined || typeof stats.countsSince !== 'function') return
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
      metrics.errorSpike.set(1)
      app.alertSink.raise('error-spike', {
        alertname: CHECK_ALERTS.errorSpike,
        severity: 'high',
        labels: {},
        summary: 'HIGH and CRITICAL errors are spiking',
        description: `${value} HIGH/CRITICAL errors in the last 5 minutes; the threshold from the last hour is ${threshold} (3x the median 5-minute window, at least ${SPIKE_MIN}).${current.complete ? '' : ' The count is incomplete, so the real number is higher.'}`,
        view: 'errors',
      })
    } else if (current.complete) {
      // An incomplete count can only be too low: it may raise, never resolve.
      metrics.errorSpike.set(0)
      app.alertSink.resolve('error-spike')
    }
  }

  const guard = (name: string, fn: () => Promise<void>) => () => {
    fn().catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, `${name} check failed`))
  }

  return {
    checkLoki,
    checkSpike,
    start () {
      timers.push(setInterval(guard('loki', checkLoki), opts.lokiPollMs ?? app.config.probeIntervalS * 1000))
      timers.push(setInterval(guard('error spike', checkSpike), opts.spikePollMs ?? SPIKE_POLL_MS))
      for (const t of timers) t.unref()
      guard('error spike', checkSpike)()
    },
    stop () { for (const t of timers) clearInterval(t) },
  }
}
