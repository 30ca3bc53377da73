/**
 * Counts per step from `sum(count_over_time(... [step]))`, one metric query per
 * bucket. The value Loki gives at t counts (t - step, t].
 *
 * Steps are aligned to multiples of the step since the epoch: Loki's query frontend
 * rounds a metric query's start down and its end up to the step anyway, so the
 * answer has these timestamps whatever the request says. Step i starts at
 * floor(start / step)·step + i·step and is read at its end; the first step may
 * begin before start and the last one may end after end. Missing samples are zeros.
 *
 * Because the evaluation times do not move with the request's start, a sample is a
 * function of the LogQL and its time only. Samples are grouped in pieces, one per
 * chunk (the LOKI_CHUNK_HOURS grid): a piece whose chunk ended before now minus
 * the ingestion lag is closed, immutable and cached (series-cache.ts). Only missing
 * pieces go to Loki, adjacent ones in one request, split when a request would have
 * too many points or Loki calls it too long.
 */
import { setMaxListeners } from 'node:events'
import { LogQueryError, type SeriesOutcome, type SeriesQuery } from '../source.js'
import { NS_PER_MS, rangeLabel } from './chunks.js'
import { LokiHttpError } from './client.js'
import { allFailedError, fatalError, isFatal } from './errors.js'
import { buildCountQuery, type CaseStrategy } from './logql.js'
import { MAX_SIGNAL_LISTENERS } from './query.js'
import { parseMatrix, QUERY_RANGE, type RequestContext, type Requester } from './requester.js'
import { byteLength, type QueryBudget } from './budget.js'
import type { SeriesCache } from './series-cache.js'

// Loki refuses more than 11,000 points per series; smaller pieces also fail (and retry) independently.
export const SERIES_MAX_POINTS = 2000

export interface SeriesDeps {
  requester: Requester
  selector: string
  deadlineMs: number
  /** The chunk grid pieces follow (LOKI_CHUNK_HOURS), in ms. */
  chunkMs: number
  /** Pieces whose chunk ends before now minus this are closed (LOKI_INGESTION_LAG_S), in ms. */
  ingestionLagMs: number
  /** Closed pieces are read from and written to it; without it every piece goes to Loki. */
  cache?: SeriesCache
  /** Part of every cache key, so two Lokis or tenants never share samples. */
  url: string
  tenant: string | undefined
  /** Background cache writes, awaited on close. */
  writes?: Set<Promise<void>>
  now?: () => number
  /** Loki's query-size limit: a bucket whose count query does not fit is not sent, and the answer says so. */
  budget?: QueryBudget
}

/** Evaluation times firstMs, firstMs + step, ... (points of them), all multiples of the step. */
export interface SeriesPiece { firstMs: number, points: number, closed: boolean }

/**
 * The pieces holding the evaluation times (firstEvalMs .. lastEvalMs, multiples of stepMs),
 * oldest first and contiguous. A closed piece covers its whole chunk when one request
 * can hold it, so queries with other starts find the same piece.
 */
export function planSeriesPieces (firstEvalMs: number, lastEvalMs: number, stepMs: number, chunkMs: number, closedBeforeMs: number): SeriesPiece[] {
  const pieces: SeriesPiece[] = []
  const afterFloor = (t: number) => (Math.floor(t / stepMs) + 1) * stepMs
  const atOrBefore = (t: number) => Math.floor(t / stepMs) * stepMs
  for (let c = Math.floor((firstEvalMs - 1) / chunkMs) * chunkMs; c < lastEvalMs; c += chunkMs) {
    // Evaluation times t with c < t <= c + chunk belong to chunk c.
    const lo = Math.max(firstEvalMs, afterFloor(c))
    const hi = Math.min(lastEvalMs, atOrBefore(c + chunkMs))
    if (lo > hi) continue
    const closed = c + chunkMs <= closedBeforeMs
    const wholeLo = afterFloor(c)
    const wholeHi = atOrBefore(c + chunkMs)
    const whole = closed && (wholeHi - wholeLo) / stepMs + 1 <= SERIES_MAX_POINTS
    const from = whole ? wholeLo : lo
    const to = whole ? wholeHi : hi
    pieces.push({ firstMs: from, points: (to - from) / stepMs + 1, closed })
  }
  return pieces
}

export async function runSeries (d: SeriesDeps, q: SeriesQuery, strategy: CaseStrategy): Promise<SeriesOutcome> {
  if (!Number.isInteger(q.stepSeconds) || q.stepSeconds < 1) throw new LogQueryError('stepSeconds must be a whole number of seconds, at least 1', 400)
  if (q.endNs <= q.startNs) throw new LogQueryError('the range is empty: start must be before end', 400)
  const stepMs = q.stepSeconds * 1000
  const startMs = Number(q.startNs / NS_PER_MS)
  const endMs = Number((q.endNs + NS_PER_MS - 1n) / NS_PER_MS)
  const firstMs = Math.floor(startMs / stepMs) * stepMs
  const n = Math.max(1, Math.ceil((endMs - firstMs) / stepMs))
  const timestamps = Array.from({ length: n }, (_, i) => firstMs + i * stepMs)
  const closedBeforeMs = (d.now?.() ?? Date.now()) - d.ingestionLagMs
  const pieces = planSeriesPieces(firstMs + stepMs, firstMs + n * stepMs, stepMs, d.chunkMs, closedBeforeMs)
  // Index space of the samples the pieces hold; step i of the answer is sample `offset + i`.
  const baseMs = (pieces[0] as SeriesPiece).firstMs
  const last = pieces[pieces.length - 1] as SeriesPiece
  const total = (last.firstMs - baseMs) / stepMs + last.points
  const offset = (firstMs + stepMs - baseMs) / stepMs
  const pieceFrom = pieces.map((p) => (p.firstMs - baseMs) / stepMs)

  const controller = new AbortController()
  const deadline = AbortSignal.timeout(d.deadlineMs)
  const ctx: RequestContext = {
    signal: AbortSignal.any(q.signal !== undefined ? [controller.signal, deadline, q.signal] : [controller.signal, deadline]),
    deadlineAt: Date.now() + d.deadlineMs,
  }
  // Every piece waiting or in flight listens to it (and removes its listener when done): not a leak.
  setMaxListeners(MAX_SIGNAL_LISTENERS, ctx.signal)
  const reasons: string[] = []
  const errors: LokiHttpError[] = []
  let okRequests = 0
  let fatal: LokiHttpError | undefined

  interface Samples { query: string, all: number[], ok: Uint8Array }
  const fetchSamples = async (s: Samples, from: number, to: number): Promise<void> => {
    // Samples [from, to): evaluated at base + from·step ... base + (to-1)·step.
    const startEval = baseMs + from * stepMs
    const endEval = baseMs + (to - 1) * stepMs
    try {
      const body = await d.requester.get(QUERY_RANGE, {
        query: s.query,
        start: String(BigInt(startEval) * NS_PER_MS),
        end: String(BigInt(endEval) * NS_PER_MS),
        step: `${q.stepSeconds}s`,
      }, ctx)
      for (const [t, v] of parseMatrix(body)) {
        const i = Math.round((t - baseMs) / stepMs)
        if (i >= from && i < to) s.all[i] = v
      }
      s.ok.fill(1, from, to)
      okRequests++
    } catch (caught) {
      const err = caught instanceof LokiHttpError ? caught : new LokiHttpError('server_error', (caught as Error).message)
      if (err.kind === 'too_long' && to - from > 1) {
        const mid = from + Math.floor((to - from) / 2)
        await Promise.all([fetchSamples(s, from, mid), fetchSamples(s, mid, to)])
        return
      }
      if (isFatal(err)) {
        fatal ??= err
        controller.abort()
        return
      }
      errors.push(err)
      const label = rangeLabel(BigInt(startEval - stepMs) * NS_PER_MS, BigInt(endEval) * NS_PER_MS)
      reasons.push(`counts for ${label} are missing: ${err.kind === 'aborted' && deadline.aborted ? `deadline of ${d.deadlineMs} ms passed` : err.message}`)
    }
  }

  const keyOf = (query: string, p: SeriesPiece) =>
    (d.cache as SeriesCache).key({ url: d.url, tenant: d.tenant, query, stepMs, firstMs: p.firstMs, lastMs: p.firstMs + (p.points - 1) * stepMs })

  const bucket = async (b: SeriesQuery['buckets'][number]): Promise<number[]> => {
    const query = buildCountQuery({ selector: d.selector, filter: q.filter, include: b.include, exclude: b.exclude, strategy }, q.stepSeconds)
    const s: Samples = { query, all: new Array<number>(total).fill(0), ok: new Uint8Array(total) }
    if (d.budget !== undefined && !d.budget.fits(query)) {
      reasons.push(`counts of "${b.name}" are missing: their query is ${byteLength(query).toLocaleString('en-US')} bytes and ${d.budget.source} accepts less than ${d.budget.limit.toLocaleString('en-US')}`)
      return s.all.slice(offset, offset + n)
    }
    const cache = d.cache
    const cached = await Promise.all(pieces.map(async (p, k) => {
      if (!p.closed || cache === undefined) return false
      const hit = await cache.get(keyOf(query, p), p.points)
      if (hit === undefined) return false
      const from = pieceFrom[k] as number
      for (let j = 0; j < p.points; j++) s.all[from + j] = hit[j] as number
      s.ok.fill(1, from, from + p.points)
      return true
    }))
    // Adjacent missing pieces go to Loki together, at most SERIES_MAX_POINTS samples a request.
    const work: Array<Promise<void>> = []
    for (let k = 0; k < pieces.length;) {
      if (cached[k] === true) { k++; continue }
      const from = pieceFrom[k] as number
      while (k < pieces.length && cached[k] !== true) k++
      const to = k < pieces.length ? pieceFrom[k] as number : total
      for (let a = from; a < to; a += SERIES_MAX_POINTS) work.push(fetchSamples(s, a, Math.min(to, a + SERIES_MAX_POINTS)))
    }
    await Promise.all(work)
    if (cache !== undefined) {
      pieces.forEach((p, k) => {
        const from = pieceFrom[k] as number
        if (!p.closed || cached[k] === true || s.ok.subarray(from, from + p.points).includes(0)) return
        const w = cache.set(keyOf(query, p), s.all.slice(from, from + p.points)).finally(() => d.writes?.delete(w))
        d.writes?.add(w)
      })
    }
    return s.all.slice(offset, offset + n)
  }

  const answers = await Promise.all(q.buckets.map(bucket))
  if (fatal !== undefined) throw fatalError(fatal)
  // As before caching: when Loki answered none of the requests, the feed says why (503/504) rather
  // than showing stale counts with the newest steps missing.
  if (okRequests === 0 && errors.length > 0) throw allFailedError(errors, d.deadlineMs)
  const values: Record<string, number[]> = {}
  q.buckets.forEach((b, i) => { values[b.name] = answers[i] as number[] })
  return { timestamps, values, complete: reasons.length === 0, incompleteReasons: reasons }
}
