/**
 * The Loki log source: windowed, proven, cached, rate-aware query_range. Wires the
 * parts together once per source; one limiter per source so every query to this
 * Loki tenant shares the same view of how hard it may push.
 */
import type { Logger } from 'pino'
import { ConfigError, type Config } from '../../config.js'
import type { Cache } from '../../infra/redis.js'
import type { Metrics } from '../../metrics/registry.js'
import { LogQueryError, type ContextQuery, type LineFilter, type LogEntry, type LogQuery, type LogSource, type SeriesQuery, type SourceHealth } from '../source.js'
import { byteLength, createQueryBudget, type QueryBudget } from './budget.js'
import { createChunkCache } from './cache.js'
import { NS_PER_MS } from './chunks.js'
import { createLokiHttp, LokiHttpError } from './client.js'
import { lokiContext } from './context.js'
import { allFailedError, fatalError, isFatal, QueryTooLarge } from './errors.js'
import { SubQueryLimiter } from './limiter.js'
import { fitLogQuery } from './fit.js'
import { parseLokiConfig } from './loki-config.js'
import { createQueryOutcomes } from './outcomes.js'
import { createLokiMetrics } from './metrics.js'
import { runQuery } from './query.js'
import { createRequester } from './requester.js'
import { buildPipeline } from './logql.js'
import { normalizeSelector, streamSelector } from './selector.js'
import { runSeries } from './series.js'
import { createSeriesCache } from './series-cache.js'
import { createVersionProbe } from './version.js'
import { windowSize } from './windows.js'

const HEALTH_TIMEOUT_MS = 3000
/** Loki's defaults, used when LOKI_SPLIT_INTERVAL / LOKI_MAX_QUERY_PARALLELISM / LOKI_MAX_OUTSTANDING are unset. */
export const DEFAULT_SPLIT_S = 1800
export const DEFAULT_PARALLELISM = 32
export const DEFAULT_OUTSTANDING = 100
/**
 * Windows asked for in one request. Two: a request then costs two sub-queries, so three run at
 * once within 6 outstanding, and two windows of a typical hour (~250 lines) stay far below the
 * 1,000-line limit (a full answer is thrown away and fetched window by window).
 */
export const WINDOWS_PER_REQUEST = 2

export interface LokiSourceOptions {
  /** The clock that decides which chunks are closed (tests pin it); Date.now by default. */
  now?: () => number
}

export function createLokiSource (loki: Config['loki'], deps: { metrics: Metrics, cache: Cache, logger: Logger }, opts: LokiSourceOptions = {}): LogSource {
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
  const chunkNs = BigInt(loki.chunkHours) * 3_600_000n * NS_PER_MS
  const limits = { splitNs: BigInt(loki.splitIntervalS ?? DEFAULT_SPLIT_S) * 1_000_000_000n, parallelism: loki.maxQueryParallelism ?? DEFAULT_PARALLELISM }
  let windowNs = windowSize(limits.splitNs, chunkNs)
  const limiter = new SubQueryLimiter(loki.concurrency, loki.maxOutstanding ?? DEFAULT_OUTSTANDING)
  const requester = createRequester({ http, limiter, limits: () => limits, metrics, maxRetries: loki.maxRetries, timeoutMs: loki.chunkTimeoutMs })
  const cache = createChunkCache(deps.cache, deps.metrics, warnOnce, loki.cacheTtlS)
  const seriesCache = createSeriesCache(deps.cache, deps.metrics, warnOnce, loki.cacheTtlS)
  const probe = createVersionProbe(loki.caseInsensitive, async () =>
    await http.get('/loki/api/v1/status/buildinfo', {}, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS), timeoutMs: HEALTH_TIMEOUT_MS }) as { version?: unknown })
  const entryLimit = { value: loki.entryLimit }
  const writes = new Set<Promise<void>>()
  let budget: QueryBudget | undefined
  const outcomes = createQueryOutcomes()
  /** Health hears how each query ended: Loki's failures count, the user's bad input and cancels do not. */
  async function recorded<T> (signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    try {
      const out = await run()
      outcomes.record(true)
      return out
    } catch (err) {
      if (signal?.aborted !== true && !(err instanceof LogQueryError && err.statusCode < 500)) outcomes.record(false, err instanceof Error ? err.message : 'failed')
      throw err
    }
  }

  // What the environment does not state is read once from Loki's /config, when Loki exposes it.
  let limitsRead: Promise<void> | undefined
  const readLimits = async () => {
    if (loki.splitIntervalS !== undefined && loki.maxQueryParallelism !== undefined && loki.maxOutstanding !== undefined) return
    const res = await http.probe('/config', HEALTH_TIMEOUT_MS, 1024 * 1024).catch(() => undefined)
    if (res?.status !== 200) return
    const found = parseLokiConfig(res.body)
    if (loki.splitIntervalS === undefined && found.splitIntervalS !== undefined) {
      limits.splitNs = BigInt(found.splitIntervalS) * 1_000_000_000n
      windowNs = windowSize(limits.splitNs, chunkNs)
    }
    if (loki.maxQueryParallelism === undefined && found.maxQueryParallelism !== undefined) limits.parallelism = found.maxQueryParallelism
    if (loki.maxOutstanding === undefined && found.maxOutstanding !== undefined) limiter.setMaxSubQueries(found.maxOutstanding)
    if (found.maxEntries !== undefined && found.maxEntries < entryLimit.value) entryLimit.value = found.maxEntries
    log.info({ found }, 'read Loki\'s limits from its /config')
  }

  const info = async () => {
    await (limitsRead ??= readLimits())
    const v = await probe.info()
    budget ??= createQueryBudget(v.queryLimit, v.version !== undefined ? `Loki ${v.version === '' ? '(no version)' : v.version}` : 'Loki of unknown version')
    return { strategy: v.strategy, budget }
  }

  /**
   * Runs `attempt` with the query built for the current budget; when Loki refuses it as too
   * long (its limit is smaller than its version says), learns the limit and builds again.
   * Nothing is delivered twice: a retry happens only before the first page.
   */
  async function fitted<T> (attempt: (b: QueryBudget) => Promise<T>, delivered: () => number): Promise<T> {
    for (let tries = 0; ; tries++) {
      const { budget: b } = await info()
      try {
        return await attempt(b)
      } catch (err) {
        if (!(err instanceof QueryTooLarge) || tries >= 2 || !b.learn(err.limit)) throw err
        log.warn({ limit: err.limit }, 'Loki refused a query as too long; its size limit is learnt and the query rebuilt')
        if (delivered() > 0) throw new LogQueryError(`Loki's query-size limit is ${err.limit} bytes, smaller than its version says; TovWatch has learnt it: ask again`, 502)
      }
    }
  }

  return {
    kind: 'loki',
    async query (q: LogQuery, onPage: (entries: LogEntry[]) => void) {
      return await recorded(q.signal, async () => {
        const { strategy } = await info()
        let delivered = 0
        const outcome = await fitted(async (b) => {
          const fit = fitLogQuery({ selector, filter: q.filter, include: q.include, exclude: q.exclude, strategy }, b, windowNs)
          return await runQuery({
            requester,
            cache,
            metrics,
            url,
            tenant: loki.tenant,
            chunkNs,
            windowNs,
            windowsPerRequest: Math.max(1, Math.min(limits.parallelism, WINDOWS_PER_REQUEST)),
            ingestionLagNs: BigInt(loki.ingestionLagS) * 1000n * NS_PER_MS,
            deadlineMs: loki.deadlineMs,
            maxSplits: loki.maxSplits,
            entryLimit,
            writes,
            now: opts.now,
          }, q, fit.logql, (page) => { delivered += page.length; onPage(page) })
        }, () => delivered)
        if (!outcome.complete) log.warn({ failedChunks: outcome.failedChunks.length, reasons: outcome.incompleteReasons.slice(0, 5) }, 'loki query incomplete')
        return outcome
      })
    },
    async series (q: SeriesQuery) {
      return await recorded(q.signal, async () => {
        const { strategy } = await info()
        return await fitted(async (b) => await runSeries({
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
          budget: b,
        }, q, strategy), () => 0)
      })
    },
    async context (q: ContextQuery) {
      return await recorded(q.signal, async () => {
        const { budget: b } = await info()
        const query = streamSelector(loki.selector, q.labels)
        if (!b.fits(query)) throw new LogQueryError(`the stream's labels make a ${byteLength(query)}-byte selector; ${b.source} accepts less than ${b.limit} bytes`, 400)
        const deadline = AbortSignal.timeout(loki.deadlineMs)
        const signal = q.signal === undefined ? deadline : AbortSignal.any([q.signal, deadline])
        for (let tries = 0; ; tries++) {
          try {
            return await lokiContext({ requester, req: { signal, deadlineAt: Date.now() + loki.deadlineMs, urgent: true }, query, windowNs, entryLimit: entryLimit.value }, q)
          } catch (err) {
            if (!(err instanceof LokiHttpError)) throw err
            // A Loki whose entry limit is below the lines asked for names it: learn it and ask again, once.
            if (err.kind === 'limit_too_high' && err.maxEntries !== undefined && err.maxEntries > 0 && err.maxEntries < entryLimit.value && tries === 0) {
              entryLimit.value = err.maxEntries
              continue
            }
            throw isFatal(err) ? fatalError(err) : allFailedError([err], loki.deadlineMs)
          }
        }
      })
    },
    async logqlFor (q: { labels: Record<string, string>, filter?: LineFilter, contains?: string }) {
      const { strategy } = await info()
      const pipeline = buildPipeline({ filter: q.filter, strategy })
      const contains = q.contains !== undefined && q.contains !== '' ? buildPipeline({ filter: { kind: 'text', text: q.contains, caseInsensitive: false }, strategy }) : ''
      return [streamSelector(loki.selector, q.labels), pipeline, contains].filter((p) => p !== '').join(' ')
    },
    async health (): Promise<SourceHealth> {
      const started = performance.now()
      let result: SourceHealth
      try {
        const res = await http.probe('/ready', HEALTH_TIMEOUT_MS)
        const latencyMs = Math.round(performance.now() - started)
        if (res.status !== 200) {
          result = { status: 'down', latencyMs, message: `Loki is not ready (${res.status}): ${res.body}` }
        } else if (outcomes.verdict() !== undefined) {
          const v = outcomes.verdict() as { status: 'degraded' | 'down', message: string }
          result = { status: v.status, latencyMs, message: `ready, but ${v.message}` }
        } else if (limiter.concurrency < limiter.max && limiter.pushedBackWithin(60_000)) {
          result = { status: 'degraded', latencyMs, message: `ready, but Loki is pushing back (429): sub-queries in flight lowered to ${limiter.concurrency} of ${limiter.max}` }
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
