/**
 * The Loki log source: chunked, cached, rate-aware query_range. Wires the parts
 * together once per source; one limiter per source so every query to this Loki
 * tenant shares the same view of how hard it may push.
 */
import type { Logger } from 'pino'
import { ConfigError, type Config } from '../../config.js'
import type { Cache } from '../../infra/redis.js'
import type { Metrics } from '../../metrics/registry.js'
import type { LogSource, SourceHealth } from '../source.js'
import { createChunkCache } from './cache.js'
import { NS_PER_MS } from './chunks.js'
import { createLokiHttp, LokiHttpError } from './client.js'
import { AdaptiveLimiter } from './limiter.js'
import { buildLogQuery } from './logql.js'
import { createLokiMetrics } from './metrics.js'
import { runQuery } from './query.js'
import { createRequester } from './requester.js'
import { normalizeSelector } from './selector.js'
import { runSeries } from './series.js'
import { createSeriesCache } from './series-cache.js'
import { createVersionProbe } from './version.js'

const HEALTH_TIMEOUT_MS = 3000

export interface LokiSourceOptions {
  /** Plan requests from a count query (default true); tests of per-chunk behaviour turn it off. */
  planByCounts?: boolean
  /** The clock that decides which chunks are closed (tests pin it); Date.now by default. */
  now?: () => number
}

export function createLokiSource (config: Config, deps: { metrics: Metrics, cache: Cache, logger: Logger }, opts: LokiSourceOptions = {}): LogSource {
  const loki = config.loki
  if (loki.url === undefined) throw new ConfigError('LOKI_URL', 'is required for the Loki log source')
  const url = loki.url
  const selector = normalizeSelector(loki.selector)
  const log = deps.logger.child({ component: 'loki' })
  const warned = new Set<string>()
  const warnOnce = (err: Error) => {
    if (warned.has(err.message) || warned.size > 100) return
    warned.add(err.message)
    log.warn({ err: { message: err.message } }, 'loki cache error')
  }
  const metrics = createLokiMetrics(deps.metrics)
  const http = createLokiHttp(loki)
  const limiter = new AdaptiveLimiter(loki.concurrency, (err) => err instanceof LokiHttpError && err.kind === 'rate_limited')
  const requester = createRequester({ http, limiter, metrics, maxRetries: loki.maxRetries, timeoutMs: loki.chunkTimeoutMs })
  const cache = createChunkCache(deps.cache, deps.metrics, warnOnce, loki.cacheTtlS)
  const seriesCache = createSeriesCache(deps.cache, deps.metrics, warnOnce, loki.cacheTtlS)
  const probe = createVersionProbe(loki.caseInsensitive, async () =>
    await http.get('/loki/api/v1/status/buildinfo', {}, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), timeoutMs: HEALTH_TIMEOUT_MS }) as { version?: unknown })
  const entryLimit = { value: loki.entryLimit }
  const writes = new Set<Promise<void>>()

  return {
    kind: 'loki',
    async query (q, onPage) {
      const strategy = await probe.strategy()
      const logql = buildLogQuery({ selector, filter: q.filter, include: q.include, exclude: q.exclude, strategy })
      const outcome = await runQuery({
        requester,
        cache,
        metrics,
        url,
        tenant: loki.tenant,
        chunkNs: BigInt(loki.chunkHours) * 3_600_000n * NS_PER_MS,
        ingestionLagNs: BigInt(loki.ingestionLagS) * 1000n * NS_PER_MS,
        planTimeoutMs: loki.planTimeoutMs,
        deadlineMs: loki.deadlineMs,
        maxSplits: loki.maxSplits,
        entryLimit,
        planByCounts: opts.planByCounts ?? true,
        idleSlots: () => limiter.concurrency,
        writes,
        now: opts.now,
      }, q, logql, onPage)
      if (!outcome.complete) log.warn({ failedChunks: outcome.failedChunks.length, reasons: outcome.incompleteReasons.slice(0, 5) }, 'loki query incomplete')
      return outcome
    },
    async series (q) {
      const strategy = await probe.strategy()
      return await runSeries({
        requester,
        selector,
        deadlineMs: loki.deadlineMs,
        chunkMs: loki.chunkHours * 3_600_000,
        ingestionLagMs: loki.ingestionLagS * 1000,
        cache: seriesCache,
        url,
        tenant: loki.tenant,
        writes,
        now: opts.now,
      }, q, strategy)
    },
    async health (): Promise<SourceHealth> {
      const started = performance.now()
      let result: SourceHealth
      try {
        const res = await http.probe('/ready', HEALTH_TIMEOUT_MS)
        const latencyMs = Math.round(performance.now() - started)
        if (res.status !== 200) {
          result = { status: 'down', latencyMs, message: `Loki is not ready (${res.status}): ${res.body}` }
        } else if (limiter.concurrency < limiter.max && limiter.pushedBackWithin(60_000)) {
          result = { status: 'degraded', latencyMs, message: `ready, but Loki is pushing back (429): concurrency lowered to ${limiter.concurrency} of ${limiter.max}` }
        } else {
          const version = probe.version()
          result = { status: 'up', latencyMs, message: `ready${version !== undefined ? ` (Loki ${version})` : ''}` }
        }
      } catch (err) {
        result = { status: 'down', latencyMs: null, message: err instanceof LokiHttpError ? err.message : 'cannot reach Loki' }
      }
      metrics.up.set(result.status === 'down' ? 0 : 1)
      return result
    },
    async close () {
      await Promise.allSettled([...writes])
      cache.clearLocal()
      seriesCache.clearLocal()
    },
  }
}
