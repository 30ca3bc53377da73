import type { Gauge } from 'prom-client'
import type { LogSource } from '../logs/source.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import type { Classifier } from './classifier.js'
import { severityBuckets } from './feed.js'

export interface ErrorStats {
  /** Lines per severity between two times (exact counts from the source's series, noise excluded). */
  countsSince: (startMs: number, endMs: number) => Promise<{ counts: Record<Severity, number>, complete: boolean }>
}

export function createErrorStats (logSource: LogSource, classifier: Classifier): ErrorStats {
  const buckets = severityBuckets(classifier.unions)
  return {
    async countsSince (startMs, endMs) {
      if (!(endMs > startMs)) throw new RangeError('countsSince: startMs must be before endMs')
      const stepSeconds = Math.max(1, Math.ceil((endMs - startMs) / 1000))
      const out = await logSource.series({ startNs: BigInt(Math.floor(startMs)) * 1_000_000n, endNs: BigInt(Math.ceil(endMs)) * 1_000_000n, stepSeconds, buckets })
      const counts = Object.fromEntries(SEVERITIES.map((s) => [s, (out.values[s] ?? []).reduce((a, b) => a + b, 0)])) as Record<Severity, number>
      return { counts, complete: out.complete }
    },
  }
}

export const RECENT_WINDOW_MS = 5 * 60_000
export const RECENT_INTERVAL_MS = 60_000

/**
 * Keeps the errors-recent gauge (last 5 minutes per severity) fresh. Runs on a timer
 * rather than at scrape time: a scrape must not wait on Loki. Skips a tick while the
 * previous run is still going.
 */
export function startRecentErrorsJob (stats: ErrorStats, gauge: Gauge<'severity'>, onError: (err: Error) => void, intervalMs = RECENT_INTERVAL_MS) {
  let running = false
  const run = async () => {
    if (running) return
    running = true
    try {
      const now = Date.now()
      const { counts } = await stats.countsSince(now - RECENT_WINDOW_MS, now)
      for (const s of SEVERITIES) gauge.set({ severity: s }, counts[s])
    } catch (err) {
      onError(err as Error)
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => { run().catch(() => {}) }, intervalMs)
  timer.unref()
  return { run, stop: () => clearInterval(timer) }
}
