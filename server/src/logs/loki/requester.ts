/**
 * Loki requests as the rest of the source sees them: through the adaptive
 * limiter, retried on 429/5xx/timeouts/network errors with full-jitter backoff
 * that honours Retry-After, measured, and parsed into entries or samples.
 */
import type { LogEntry } from '../source.js'
import { LokiHttpError, RETRYABLE, type LokiHttp } from './client.js'
import { PausedPastDeadline, type SubQueryLimiter } from './limiter.js'
import type { LokiMetrics } from './metrics.js'
import { backoffMs, sleep } from './retry.js'

export const QUERY_RANGE = '/loki/api/v1/query_range'

export interface RequestContext {
  signal: AbortSignal
  /** Epoch ms after which no retry is started (the query's deadline). */
  deadlineAt: number
  /** Overrides LOKI_MAX_RETRIES, e.g. 0 for a request that only helps planning. */
  maxRetries?: number
  /** Overrides LOKI_CHUNK_TIMEOUT_MS for one request. */
  timeoutMs?: number
  /** On the critical path (a next page, a refetch): starts before requests waiting their first turn. */
  urgent?: boolean
}

/** Loki's limits that decide what a request costs: split_queries_by_interval and max_query_parallelism. */
export interface SplitLimits { splitNs: bigint, parallelism: number }

/**
 * Sub-queries a query_range request puts in Loki's queue at once: ⌈range / split⌉ aligned
 * intervals (a metric query also reads one step before its start; one whose step is at least
 * the split interval is split by the step), at most the parallelism.
 */
export function weightOf (params: Record<string, string>, limits: SplitLimits): number {
  if (params.start === undefined || params.end === undefined) return 1
  let start = BigInt(params.start)
  const end = BigInt(params.end)
  if (params.step !== undefined) {
    const stepNs = BigInt(Math.round(Number(params.step.replace(/s$/, '')) * 1e9))
    // A step of at least the split interval: Loki splits by the step instead (splitMetricByTime);
    // start == end leaves nothing to split, one sub-query.
    if (stepNs >= limits.splitNs && stepNs > 0n) {
      const parts = Number((end - start + stepNs - 1n) / stepNs)
      return Math.max(1, Math.min(limits.parallelism, parts))
    }
    start -= stepNs
  }
  const first = start / limits.splitNs
  const last = (end - 1n) / limits.splitNs
  const parts = Number(last - first + 1n)
  return Math.max(1, Math.min(limits.parallelism, parts))
}

export interface Requester {
  get: (path: string, params: Record<string, string>, ctx: RequestContext) => Promise<unknown>
}

export function createRequester (o: { http: LokiHttp, limiter: SubQueryLimiter, limits: () => SplitLimits, metrics: LokiMetrics, maxRetries: number, timeoutMs: number, rnd?: () => number }): Requester {
  return {
    async get (path, params, ctx) {
      for (let attempt = 0; ; attempt++) {
        const started = performance.now()
        try {
          const body = await o.limiter.run(() => o.http.get(path, params, { signal: ctx.signal, timeoutMs: ctx.timeoutMs ?? o.timeoutMs }), weightOf(params, o.limits()), ctx.signal, ctx.deadlineAt, ctx.urgent === true)
          o.limiter.onSuccess()
          o.metrics.externalCall('ok', (performance.now() - started) / 1000)
          return body
        } catch (caught) {
          if (ctx.signal.aborted) throw new LokiHttpError('aborted', 'cancelled')
          if (caught instanceof PausedPastDeadline) throw new LokiHttpError('server_error', `${caught.message} (LOKI_DEADLINE_MS)`)
          const err = caught instanceof LokiHttpError ? caught : new LokiHttpError('network', `Loki request failed: ${(caught as Error).message}`)
          o.metrics.externalCall(err.kind, (performance.now() - started) / 1000)
          if (err.kind === 'rate_limited') {
            o.metrics.rateLimited.inc()
            o.limiter.onRateLimited(err.retryAfterMs)
          } else if (err.kind === 'server_error' && (err.status === 500 || err.retryAfterMs !== undefined)) {
            // Loki's own 500 starts its ~3 s of refusals (measured); a proxy's Retry-After holds everyone too.
            o.limiter.pause(err.retryAfterMs)
          }
          if (!RETRYABLE.has(err.kind)) throw err
          if (attempt >= (ctx.maxRetries ?? o.maxRetries)) throw new LokiHttpError(err.kind, `${err.message} (gave up after ${attempt + 1} attempts)`, err.status)
          // After a 429 the limiter holds every start until Loki's refusals are over; this adds the jitter.
          const wait = Math.max(err.retryAfterMs ?? 0, o.limiter.pausedFor + backoffMs(attempt, o.rnd))
          if (Date.now() + wait > ctx.deadlineAt) {
            throw new LokiHttpError(err.kind, `${err.message}; the next retry (in ${Math.round(wait)} ms${err.retryAfterMs !== undefined ? ', as Retry-After asks' : ''}) would pass the deadline`, err.status)
          }
          o.metrics.retries.inc({ reason: err.kind as 'rate_limited' | 'server_error' | 'timeout' | 'network' })
          try {
            await sleep(wait, ctx.signal)
          } catch {
            throw new LokiHttpError('aborted', 'cancelled')
          }
        }
      }
    },
  }
}

interface StreamsBody { status?: string, data?: { resultType?: string, result?: Array<{ stream?: Record<string, string>, values?: unknown[][] }> } }
interface MatrixBody { status?: string, data?: { resultType?: string, result?: Array<{ metric?: Record<string, string>, values?: Array<[number, string]> }> } }

/** Entries of a streams answer; labels objects are shared per stream. */
export function parseStreams (body: unknown): LogEntry[] {
  const b = body as StreamsBody
  if (b?.status !== 'success' || b.data?.resultType !== 'streams' || !Array.isArray(b.data.result)) {
    throw new LokiHttpError('server_error', `unexpected answer from Loki (resultType ${String(b?.data?.resultType)})`)
  }
  const out: LogEntry[] = []
  for (const s of b.data.result) {
    const labels = s.stream ?? {}
    for (const v of s.values ?? []) out.push({ tsNs: BigInt(v[0] as string), labels, line: String(v[1]) })
  }
  return out
}

/** Samples of a matrix answer, summed over series: epoch ms → value. */
export function parseMatrix (body: unknown): Map<number, number> {
  const b = body as MatrixBody
  if (b?.status !== 'success' || b.data?.resultType !== 'matrix' || !Array.isArray(b.data.result)) {
    throw new LokiHttpError('server_error', `unexpected answer from Loki (resultType ${String(b?.data?.resultType)})`)
  }
  const out = new Map<number, number>()
  for (const s of b.data.result) {
    for (const [t, v] of s.values ?? []) {
      const ms = Math.round(Number(t) * 1000)
      out.set(ms, (out.get(ms) ?? 0) + Number(v))
    }
  }
  return out
}
