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
          if (path === QUERY_RANGE) checkEnvelope(body)
          o.limiter.onSuccess()
          o.metrics.externalCall('ok', (performance.now() - started) / 1000)
          return body
        } catch (caught) {
          if (ctx.signal.aborted) throw new LokiHttpError('aborted', 'cancelled')
          if (caught instanceof PausedPastDeadline) throw new LokiHttpError('server_error', `${caught.message} (LOKI_DEADLINE_MS)`)
          const err = caught instanceof LokiHttpError ? caught : new LokiHttpError('network', `Loki request failed: ${(caught as Error).message}`)
          o.metrics.externalCall(err.kind, (performance.now() - started) / 1000)
          // Any failure of Loki itself opens the breaker shared by every query of the instance.
          if (RETRYABLE.has(err.kind) || err.kind === 'bad_answer') o.limiter.onFailure()
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

/** A query_range answer is {status: success, data: {resultType, result: [...]}}; anything else is not understood. */
export function checkEnvelope (body: unknown): void {
  const b = body as { status?: unknown, data?: { resultType?: unknown, result?: unknown } } | null
  const type = isObject(b) && isObject(b.data) ? b.data.resultType : undefined
  resultOf(body, type === 'matrix' || type === 'vector' ? type : 'streams')
}

/** A 200 from Loki that is not the answer asked for: a clear, non-retryable failure naming what was expected. */
export function notUnderstood (expected: string, got: string): LokiHttpError {
  return new LokiHttpError('bad_answer', `Loki's answer was not understood: expected ${expected}, got ${got}`, 200)
}

function kindOf (v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return `a ${typeof v}`
}

/** The result array of a query_range answer of `resultType`, or a bad_answer naming what was wrong. */
function resultOf (body: unknown, resultType: 'streams' | 'matrix' | 'vector'): unknown[] {
  const expected = `{"status":"success","data":{"resultType":"${resultType}","result":[…]}}`
  const b = body as { status?: unknown, data?: { resultType?: unknown, result?: unknown } } | null
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw notUnderstood(expected, kindOf(body))
  if (b.status !== 'success') throw notUnderstood(expected, `status ${JSON.stringify(b.status ?? null)?.slice(0, 40)}`)
  if (b.data === null || typeof b.data !== 'object') throw notUnderstood(expected, `data as ${kindOf(b.data)}`)
  if (b.data.resultType !== resultType) throw notUnderstood(expected, `resultType ${JSON.stringify(b.data.resultType ?? null)?.slice(0, 40)}`)
  if (!Array.isArray(b.data.result)) throw notUnderstood(expected, `result as ${kindOf(b.data.result)}`)
  return b.data.result
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

const NS_TS = /^\d{1,20}$/

/** Entries of a streams answer; labels objects are shared per stream. */
export function parseStreams (body: unknown): LogEntry[] {
  const result = resultOf(body, 'streams')
  const expected = 'streams of {"stream":{…},"values":[["<ns>","<line>"],…]}'
  const out: LogEntry[] = []
  for (const s of result) {
    if (!isObject(s)) throw notUnderstood(expected, `a stream as ${kindOf(s)}`)
    const labels = (s.stream ?? {}) as Record<string, string>
    if (!isObject(labels)) throw notUnderstood(expected, `stream labels as ${kindOf(labels)}`)
    const values = s.values ?? []
    if (!Array.isArray(values)) throw notUnderstood(expected, `values as ${kindOf(values)}`)
    for (const v of values) {
      if (!Array.isArray(v) || typeof v[0] !== 'string' || !NS_TS.test(v[0])) throw notUnderstood(expected, `an entry ${JSON.stringify(v)?.slice(0, 60) ?? String(v)}`)
      out.push({ tsNs: BigInt(v[0]), labels, line: String(v[1]) })
    }
  }
  return out
}

/** Samples of a matrix answer, summed over series: epoch ms → value. */
export function parseMatrix (body: unknown): Map<number, number> {
  const result = resultOf(body, 'matrix')
  const expected = 'series of {"metric":{…},"values":[[<seconds>,"<value>"],…]}'
  const out = new Map<number, number>()
  for (const s of result) {
    if (!isObject(s)) throw notUnderstood(expected, `a series as ${kindOf(s)}`)
    const values = s.values ?? []
    if (!Array.isArray(values)) throw notUnderstood(expected, `values as ${kindOf(values)}`)
    for (const pair of values) {
      const t = Array.isArray(pair) ? Number(pair[0]) : Number.NaN
      const v = Array.isArray(pair) ? Number(pair[1]) : Number.NaN
      if (!Number.isFinite(t) || !Number.isFinite(v)) throw notUnderstood(expected, `a sample ${JSON.stringify(pair)?.slice(0, 60) ?? String(pair)}`)
      const ms = Math.round(t * 1000)
      out.set(ms, (out.get(ms) ?? 0) + v)
    }
  }
  return out
}
