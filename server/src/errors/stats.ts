import type { Gauge } from 'prom-client'
import type { LogSource } from '../logs/source.js'
import { SEVERITIES, type Severity } from '../metrics/names.js'
import type { Classifier } from './classifier.js'
import { anySeverity, MAX_FEED_ENTRIES, severityBuckets } from './feed.js'

export interface ErrorStats {
  /** Lines per severity between two times (exact counts from the source's series, noise excluded). */
  countsSince: (startMs: number, endMs: number) => Promise<{ counts: Record<Severity, number>, complete: boolean }>
}

/**
 * Counts as the feed counts them: the lines a severity rule could match, classified here
 * (a Loki query holding every noise rule does not fit Loki's query-size limit). Past
 * `maxEntries` lines, the source's count series (exact where the source can count).
 */
export function createErrorStats (logSource: LogSource, classifier: Classifier, maxEntries = MAX_FEED_ENTRIES): ErrorStats {
  const include = anySeverity(classifier.unions)
  return {
    async countsSince (startMs, endMs) {
      if (!(endMs > startMs)) throw new RangeError('countsSince: startMs must be before endMs')
      const startNs = BigInt(Math.floor(startMs)) * 1_000_000n
      const endNs = BigInt(Math.ceil(endMs)) * 1_000_000n
      const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>
      const outcome = await logSource.query({ startNs, endNs, include, maxEntries }, (entries) => {
        const codes = classifier.classifyBatch(entries.map((e) => e.line))
        for (const code of codes) if (code < SEVERITIES.length) counts[SEVERITIES[code] as Severity]++
      })
      if (outcome.entries < maxEntries) return { counts, complete: outcome.complete }
      const stepSeconds = Math.max(1, Math.ceil((endMs - startMs) / 1000))
      const out = await logSource.series({ startNs, endNs, stepSeconds, buckets: severityBuckets(classifier.unions) })
      const exact = Object.fromEntries(SEVERITIES.map((s) => [s, (out.values[s] ?? []).reduce((a, b) => a + b, 0)])) as Record<Severity, number>
      return { counts: exact, complete: out.complete }
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
