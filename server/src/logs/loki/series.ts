/**
 * Counts per step from `sum(count_over_time(... [step]))`, one metric query per
 * bucket, split when a range has too many points or Loki calls it too long.
 * The value Loki gives at t counts (t - step, t], so step i (starting at
 * start + i·step) is read at t = start + (i+1)·step. Missing samples are zeros.
 */
import { LogQueryError, type SeriesOutcome, type SeriesQuery } from '../source.js'
import { NS_PER_MS, rangeLabel } from './chunks.js'
import { LokiHttpError } from './client.js'
import { allFailedError, fatalError, isFatal } from './errors.js'
import { buildCountQuery, type CaseStrategy } from './logql.js'
import { parseMatrix, QUERY_RANGE, type RequestContext, type Requester } from './requester.js'

// Loki refuses more than 11,000 points per series; smaller pieces also fail (and retry) independently.
export const SERIES_MAX_POINTS = 2000

export interface SeriesDeps {
  requester: Requester
  selector: string
  deadlineMs: number
}

export async function runSeries (d: SeriesDeps, q: SeriesQuery, strategy: CaseStrategy): Promise<SeriesOutcome> {
  if (!Number.isInteger(q.stepSeconds) || q.stepSeconds < 1) throw new LogQueryError('stepSeconds must be a whole number of seconds, at least 1', 400)
  if (q.endNs <= q.startNs) throw new LogQueryError('the range is empty: start must be before end', 400)
  const stepMs = q.stepSeconds * 1000
  const startMs = Number(q.startNs / NS_PER_MS)
  const endMs = Number(q.endNs / NS_PER_MS)
  const n = Math.max(1, Math.ceil((endMs - startMs) / stepMs))
  const timestamps = Array.from({ length: n }, (_, i) => startMs + i * stepMs)
  const controller = new AbortController()
  const deadline = AbortSignal.timeout(d.deadlineMs)
  const ctx: RequestContext = {
    signal: AbortSignal.any(q.signal !== undefined ? [controller.signal, deadline, q.signal] : [controller.signal, deadline]),
    deadlineAt: Date.now() + d.deadlineMs,
  }
  const reasons: string[] = []
  const errors: LokiHttpError[] = []
  let okPieces = 0
  let fatal: LokiHttpError | undefined

  const fetchPiece = async (query: string, values: number[], from: number, to: number): Promise<void> => {
    // Steps [from, to): evaluated at start + (from+1)·step ... start + to·step.
    try {
      const body = await d.requester.get(QUERY_RANGE, {
        query,
        start: String(BigInt(startMs + (from + 1) * stepMs) * NS_PER_MS),
        end: String(BigInt(startMs + to * stepMs) * NS_PER_MS),
        step: `${q.stepSeconds}s`,
      }, ctx)
      for (const [t, v] of parseMatrix(body)) {
        const i = Math.round((t - startMs) / stepMs) - 1
        if (i >= from && i < to) values[i] = v
      }
      okPieces++
    } catch (caught) {
      const err = caught instanceof LokiHttpError ? caught : new LokiHttpError('server_error', (caught as Error).message)
      if (err.kind === 'too_long' && to - from > 1) {
        const mid = from + Math.floor((to - from) / 2)
        await Promise.all([fetchPiece(query, values, from, mid), fetchPiece(query, values, mid, to)])
        return
      }
      if (isFatal(err)) {
        fatal ??= err
        controller.abort()
        return
      }
      errors.push(err)
      const label = rangeLabel(BigInt(startMs + from * stepMs) * NS_PER_MS, BigInt(startMs + to * stepMs) * NS_PER_MS)
      reasons.push(`counts for ${label} are missing: ${err.kind === 'aborted' && deadline.aborted ? `deadline of ${d.deadlineMs} ms passed` : err.message}`)
    }
  }

  const values: Record<string, number[]> = {}
  const work: Array<Promise<void>> = []
  for (const b of q.buckets) {
    const query = buildCountQuery({ selector: d.selector, filter: q.filter, include: b.include, exclude: b.exclude, strategy }, q.stepSeconds)
    const arr = new Array<number>(n).fill(0)
    values[b.name] = arr
    for (let from = 0; from < n; from += SERIES_MAX_POINTS) work.push(fetchPiece(query, arr, from, Math.min(n, from + SERIES_MAX_POINTS)))
  }
  await Promise.all(work)
  if (fatal !== undefined) throw fatalError(fatal)
  if (okPieces === 0 && errors.length > 0) throw allFailedError(errors, d.deadlineMs)
  return { timestamps, values, complete: reasons.length === 0, incompleteReasons: reasons }
}
