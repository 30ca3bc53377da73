/** Shared set-up for the Loki source tests: a source on a fresh registry, and a collector. */
import pino from 'pino'
import { Registry } from 'prom-client'
import { expect } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { createMemoryCache, type Cache } from '../../../src/infra/redis.js'
import { createLokiSource } from '../../../src/logs/loki/source.js'
import type { LogEntry, LogQuery, LogSource, QueryOutcome } from '../../../src/logs/source.js'
import { createMetrics, type Metrics } from '../../../src/metrics/registry.js'
import type { LokiDouble } from '../../helpers/loki-double.js'

export const HOUR_MS = 3_600_000
export const ns = (ms: number) => BigInt(ms) * 1_000_000n

export interface TestSource { src: LogSource, metrics: Metrics, logs: string[] }

/** The limits of the measured Loki the double models (../shared/docs/real-loki.md), stated as a deployment states them. */
export const DOUBLE_LIMITS = { LOKI_SPLIT_INTERVAL: '1h', LOKI_MAX_OUTSTANDING: '6', LOKI_MAX_QUERY_PARALLELISM: '4' }

export function makeSource (url: string, env: Record<string, string> = {}, opts: { cache?: Cache, metrics?: Metrics } = {}): TestSource {
  const config = loadConfig({ LOKI_URL: url, LOG_LEVEL: 'silent', LOKI_MAX_RETRIES: '3', ...DOUBLE_LIMITS, ...env })
  const metrics = opts.metrics ?? createMetrics(new Registry())
  const logs: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(line) } })
  const src = createLokiSource(config.loki, { metrics, cache: opts.cache ?? createMemoryCache('loki', metrics), logger })
  return { src, metrics, logs }
}

export async function collect (src: LogSource, q: Partial<LogQuery> & Pick<LogQuery, 'startNs' | 'endNs'>): Promise<{ outcome: QueryOutcome, entries: LogEntry[], pages: number }> {
  const entries: LogEntry[] = []
  let pages = 0
  const outcome = await src.query({ maxEntries: 1_000_000, ...q }, (page) => { pages++; entries.push(...page) })
  return { outcome, entries, pages }
}

export function isNewestFirst (entries: LogEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if ((entries[i - 1] as LogEntry).tsNs < (entries[i] as LogEntry).tsNs) return false
  return true
}

export async function metricValue (metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get()
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x) && !String((v as { metricName?: string }).metricName ?? '').endsWith('_bucket') && !String((v as { metricName?: string }).metricName ?? '').endsWith('_sum'))
    .reduce((s, v) => s + v.value, 0)
}

/**
 * Closes the double and fails the test if it received a query that lezer-logql (or the
 * double's parser, or RE2) refuses: the app must never send LogQL that Loki would reject.
 */
export async function closeDouble (d: LokiDouble | undefined): Promise<void> {
  if (d === undefined) return
  const unexpected = d.takeParseErrors()
  await d.close()
  expect(unexpected, 'queries the app sent that Loki would refuse').toEqual([])
}
