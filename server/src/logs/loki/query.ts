/**
 * A range query: aligned chunks (the cache unit), closed ones served from the cache;
 * the rest fetched window by window (windows.ts: never more than one of Loki's split
 * intervals, so a full page is paged backward exactly), in parallel within what the
 * limiter lets through. Every window of a closed chunk is proven: the lines received
 * are checked against Loki's exact `count_over_time` for that window (counts.ts),
 * asked for at the same time. A window that disagrees is fetched again in halves;
 * if it still disagrees the answer says `complete: false` and why, and the chunk is
 * not cached. Only proven chunks are cached. The live window (ending within the
 * ingestion lag: lines still arriving) cannot be checked against a count that moves;
 * it is exact by construction (one split interval, paged backward).
 * Partial failures and caps end up in the outcome, never thrown.
 */
import { setMaxListeners } from 'node:events'
import { LogQueryError, type LogEntry, type LogQuery, type QueryOutcome } from '../source.js'
import type { ChunkCache } from './cache.js'
import { NS_PER_MS, planChunks, rangeLabel, type Chunk } from './chunks.js'
import { LokiHttpError } from './client.js'
import { countTotal, countWindows } from './counts.js'
import { deliver, type ChunkDone } from './deliver.js'
import { isFatal } from './errors.js'
import type { LokiMetrics } from './metrics.js'
import { fetchRange, type PagerContext, type RangeResult } from './pager.js'
import type { Requester } from './requester.js'
import { runsOf, windowsOf, type Window } from './windows.js'

export interface QueryDeps {
  requester: Requester
  cache: ChunkCache
  metrics: LokiMetrics
  url: string
  tenant: string | undefined
  chunkNs: bigint
  /** The fetch and proof grid: gcd of Loki's split interval and the chunk size. */
  windowNs: bigint
  /** Adjacent windows asked for in one request (Loki's max_query_parallelism): see fetchPiece. */
  windowsPerRequest: number
  /** Chunks ending before now minus this are closed. */
  ingestionLagNs: bigint
  deadlineMs: number
  maxSplits: number
  entryLimit: { value: number }
  /** Background cache writes, awaited on close. */
  writes: Set<Promise<void>>
  now?: () => number
}

const within = (entries: LogEntry[], s: bigint, e: bigint) => entries.filter((x) => x.tsNs >= s && x.tsNs < e)
const trim = (entries: LogEntry[], c: Chunk) =>
  c.fetchStartNs === c.startNs && c.fetchEndNs === c.endNs ? entries : within(entries, c.startNs, c.endNs)
const asLokiError = (err: unknown) => err instanceof LokiHttpError ? err : new LokiHttpError('server_error', (err as Error).message)

/** Lines Loki's count at w.endNs covers: (start, end]. `atEnd`: lines at exactly w.endNs, from the newer window. */
function countedIn (entries: LogEntry[], w: Window, atEnd: number): number {
  let n = atEnd
  for (const e of entries) if (e.tsNs > w.startNs) n++
  return n
}

/** A 7-day range in 30-minute windows is 336 windows; with refetches and pages, well below this. */
export const MAX_SIGNAL_LISTENERS = 2000

export async function runQuery (d: QueryDeps, q: LogQuery, logql: string, onPage: (entries: LogEntry[]) => void): Promise<QueryOutcome> {
  if (q.endNs <= q.startNs) throw new LogQueryError('the range is empty: start must be before end', 400)
  if (!(q.maxEntries > 0)) throw new LogQueryError('maxEntries must be at least 1', 400)
  const controller = new AbortController()
  const deadline = AbortSignal.timeout(d.deadlineMs)
  const signal = AbortSignal.any(q.signal !== undefined ? [controller.signal, deadline, q.signal] : [controller.signal, deadline])
  // Every window waiting in the limiter or in flight listens to this signal, and each removes its
  // listener when it is done: many listeners at once are expected here, not a leak.
  setMaxListeners(MAX_SIGNAL_LISTENERS, signal)
  const nowNs = BigInt(d.now?.() ?? Date.now()) * NS_PER_MS
  const closedBeforeNs = nowNs - d.ingestionLagNs
  // An open chunk is fetched from the start of its first window (and trimmed), so its closed windows can be proven too.
  const chunks = planChunks(q.startNs, q.endNs, d.chunkNs, closedBeforeNs)
    .map((c) => c.closed || q.tail === true ? c : { ...c, fetchStartNs: c.fetchStartNs / d.windowNs * d.windowNs })
  let extra = d.maxSplits
  let collected = 0
  let fatal: LokiHttpError | undefined
  const ctx: PagerContext = {
    requester: d.requester,
    req: { signal, deadlineAt: Date.now() + d.deadlineMs },
    query: logql,
    entryLimit: d.entryLimit,
    takeExtra: () => extra-- > 0,
    capReached: () => collected >= q.maxEntries,
    onCollected: (n) => { collected += n },
  }
  const keyOf = (c: Chunk) => d.cache.key({ url: d.url, tenant: d.tenant, query: logql, startNs: c.fetchStartNs, endNs: c.fetchEndNs })
  const noteFatal = (err: LokiHttpError | undefined) => {
    if (err !== undefined && isFatal(err) && fatal === undefined) {
      fatal = err
      controller.abort()
    }
  }

  const cached = await Promise.all(chunks.map(async (c): Promise<ChunkDone | undefined> => {
    if (!c.closed) return undefined
    const started = performance.now()
    const hit = await d.cache.get(keyOf(c))
    if (hit === undefined) return undefined
    d.metrics.chunkDuration.observe({ outcome: 'cached' }, (performance.now() - started) / 1000)
    const entries = trim(hit, c)
    collected += entries.length
    return { chunk: c, entries, complete: true, reasons: [] }
  }))
  const toFetch = chunks.filter((_, i) => cached[i] === undefined)
  const windowsBy = new Map(toFetch.map((c) => [c, windowsOf(c.fetchStartNs, c.fetchEndNs, d.windowNs)]))

  // The proof, asked for while the lines are fetched: one count request per run of adjacent closed windows
  // (whole windows that ended before now minus the ingestion lag; the live one cannot be counted yet).
  const provable = (w: Window) => w.endNs <= closedBeforeNs && w.endNs - w.startNs === d.windowNs
  // A closed chunk is counted whole: with a step of the chunk, Loki splits the count by the step,
  // not by its split interval (splitMetricByTime), so it costs one sub-query per chunk instead of
  // one per window. The open chunk's closed windows are counted one by one.
  const countReq = { ...ctx.req, timeoutMs: d.deadlineMs }
  const closedToFetch = toFetch.filter((c) => c.closed)
  const closedChunks = closedToFetch.map((c) => ({ startNs: c.fetchStartNs, endNs: c.fetchEndNs }))
  const openWindows = toFetch.filter((c) => !c.closed).flatMap((c) => (windowsBy.get(c) as Window[]).filter(provable))
  // Several adjacent closed chunks are first proven together, by ONE sample of their total count
  // (countTotal: one sub-query instead of one per chunk). Every line received is a distinct line
  // Loki holds (de-duplicated, windows disjoint), so a chunk's received count never exceeds its
  // true count, and an equal sum means every chunk is equal. Otherwise (or when the total fails)
  // each chunk is counted as before.
  const closedRuns = runsOf(closedChunks)
  const byTotal = closedChunks.length > 1 && closedRuns.length === 1
  let chunkCounts: Promise<Map<bigint, number>> | undefined
  const countChunks = () => (chunkCounts ??= closedChunks.length === 0 ? Promise.resolve(new Map<bigint, number>()) : countWindows(d.requester, countReq, logql, d.chunkNs, closedChunks))
  const total = byTotal ? countTotal(d.requester, countReq, logql, d.chunkNs, closedRuns[0] as Window) : undefined
  total?.catch(() => {})
  const openCounts = openWindows.length === 0 ? Promise.resolve(new Map<bigint, number>()) : countWindows(d.requester, countReq, logql, d.windowNs, openWindows)
  const counts = (byTotal ? openCounts : Promise.all([countChunks(), openCounts]).then(([a, b]) => new Map([...a, ...b])))
  counts.catch((err: unknown) => noteFatal(asLokiError(err)))

  // A window fetched again (after a full pair or a count that disagrees) is urgent: the answer waits on it.
  const urgentCtx: PagerContext = { ...ctx, req: { ...ctx.req, urgent: true } }
  const fetchWindow = (w: Window, urgent = true): Promise<RangeResult> =>
    fetchRange(urgent ? urgentCtx : ctx, w.startNs, w.endNs).catch((err: unknown): RangeResult => ({ entries: [], complete: false, reasons: [], error: asLokiError(err) }))

  /**
   * Adjacent windows in one request: Loki runs its sub-queries back to back, up to its
   * parallelism, with no round trip between them. An answer below the limit holds every
   * line of those windows (the merge goes wrong only past the limit); a full one is thrown
   * away and each window fetched on its own, exactly.
   */
  const once: PagerContext = { ...ctx, takeExtra: () => false }
  const fetchPiece = async (ws: Window[]): Promise<RangeResult[]> => {
    if (ws.length === 1) return [await fetchWindow(ws[0] as Window, false)]
    const newest = ws[0] as Window
    const oldest = ws[ws.length - 1] as Window
    const whole = await fetchRange(once, oldest.startNs, newest.endNs).catch((err: unknown): RangeResult => ({ entries: [], complete: false, reasons: [], error: asLokiError(err) }))
    if (whole.error === undefined && whole.complete) {
      return ws.map((w) => ({ entries: whole.entries.filter((e) => e.tsNs >= w.startNs && e.tsNs < w.endNs), complete: true, reasons: [] }))
    }
    if (whole.error !== undefined && isFatal(whole.error)) return ws.map(() => whole)
    return await Promise.all(ws.map((w) => fetchWindow(w)))
  }
  const fetchWindows = async (ws: Window[]): Promise<RangeResult[]> => {
    const pieces: Window[][] = []
    for (let i = 0; i < ws.length; i += d.windowsPerRequest) pieces.push(ws.slice(i, i + d.windowsPerRequest))
    return (await Promise.all(pieces.map(fetchPiece))).flat()
  }

  /** Each window's lines against its count; a disagreeing window is fetched again in halves, once. */
  const prove = async (c: Chunk, windows: Window[], results: RangeResult[]): Promise<string[]> => {
    const reasons: string[] = []
    if (c.closed && byTotal && await provenByTotal()) return reasons
    let proof: Map<bigint, number>
    try {
      proof = await (c.closed && byTotal ? countChunks() : counts)
    } catch (err) {
      noteFatal(asLokiError(err))
      return [`${rangeLabel(c.fetchStartNs, c.fetchEndNs)}: the lines could not be checked against Loki's count_over_time (${asLokiError(err).message})`]
    }
    if (c.closed) {
      // The chunk against its count; on a mismatch each window again on its own (paged, exact), then once more.
      const whole = { startNs: c.fetchStartNs, endNs: c.fetchEndNs }
      const expected = proof.get(c.fetchEndNs) ?? 0
      const got = () => results.reduce((n, r) => n + countedIn(r.entries, whole, 0), 0)
      if (got() === expected) return reasons
      d.metrics.retries.inc({ reason: 'count_mismatch' })
      const again = await Promise.all(windows.map((w) => fetchWindow(w)))
      again.forEach((r, i) => { results[i] = r })
      const error = again.find((r) => r.error !== undefined)?.error
      if (error !== undefined) return [`${rangeLabel(whole.startNs, whole.endNs)}: received a different number of lines than Loki counts, and fetching it again failed: ${error.message}`]
      if (got() !== expected) reasons.push(`${rangeLabel(whole.startNs, whole.endNs)}: received ${got()} lines where Loki's count_over_time says ${expected}, also when fetched again window by window`)
      return reasons
    }
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i] as Window
      const expected = provable(w) ? proof.get(w.endNs) : undefined
      if (expected === undefined) continue
      const newer = i > 0 ? (results[i - 1] as RangeResult).entries : []
      const atEnd = newer.filter((e) => e.tsNs === w.endNs).length
      const r = results[i] as RangeResult
      if (countedIn(r.entries, w, atEnd) === expected) continue
      d.metrics.retries.inc({ reason: 'count_mismatch' })
      if (!ctx.takeExtra()) {
        reasons.push(`${rangeLabel(w.startNs, w.endNs)}: received ${countedIn(r.entries, w, atEnd)} lines where Loki counts ${expected}, and no extra requests were left to fetch it again (LOKI_MAX_SPLITS)`)
        continue
      }
      const mid = w.startNs + (w.endNs - w.startNs) / 2n
      const halves = await Promise.all([fetchWindow({ startNs: mid, endNs: w.endNs }), fetchWindow({ startNs: w.startNs, endNs: mid })])
      const again: RangeResult = {
        entries: halves.flatMap((h) => h.entries),
        complete: halves.every((h) => h.complete),
        reasons: halves.flatMap((h) => h.reasons),
        ...(halves[0]?.error ?? halves[1]?.error) !== undefined ? { error: halves[0]?.error ?? halves[1]?.error } : {},
      }
      results[i] = again
      const got = countedIn(again.entries, w, atEnd)
      if (again.error === undefined && got !== expected) {
        reasons.push(`${rangeLabel(w.startNs, w.endNs)}: received ${got} lines where Loki's count_over_time says ${expected}, also when fetched again in halves`)
      }
    }
    return reasons
  }

  const fetched = new Map(toFetch.map((c) => [c, fetchWindows(windowsBy.get(c) as Window[])]))
  /** Every closed chunk fetched whole, and the lines received in (start, end) of each sum to the run's count. */
  let byTotalOutcome: Promise<boolean> | undefined
  const provenByTotal = () => (byTotalOutcome ??= (async () => {
    const all = await Promise.all(closedToFetch.map((c) => fetched.get(c) as Promise<RangeResult[]>))
    if (all.some((rs) => rs.some((r) => r.error !== undefined || !r.complete))) return false
    const got = all.reduce((n, rs, i) => n + rs.reduce((m, r) => m + countedIn(r.entries, closedChunks[i] as Window, 0), 0), 0)
    const expected = await (total as Promise<number>).catch(() => -1)
    if (got === expected) return true
    if (expected >= 0) d.metrics.retries.inc({ reason: 'count_mismatch' })
    return false
  })())

  const byChunk = new Map<Chunk, Promise<ChunkDone>>()
  for (const c of toFetch) {
    const windows = windowsBy.get(c) as Window[]
    const started = performance.now()
    byChunk.set(c, (fetched.get(c) as Promise<RangeResult[]>).then(async (results) => {
      noteFatal(results.find((r) => r.error !== undefined)?.error)
      const proofReasons = (c.closed || windows.some(provable)) && results.every((r) => r.error === undefined && r.complete) && fatal === undefined ? await prove(c, windows, results) : []
      const error = results.find((r) => r.error !== undefined)?.error
      // Windows are newest first and disjoint, each sorted newest first: concatenated, they are sorted.
      const entries = results.flatMap((r) => r.entries)
      const r: RangeResult = { entries, complete: results.every((x) => x.complete) && proofReasons.length === 0, reasons: [...results.flatMap((x) => x.reasons), ...proofReasons] }
      if (error !== undefined) r.error = error
      const kind = error?.kind
      d.metrics.chunkDuration.observe({ outcome: kind === undefined ? 'ok' : kind === 'timeout' || kind === 'aborted' ? 'timeout' : kind === 'rate_limited' ? 'rate_limited' : 'error' }, (performance.now() - started) / 1000)
      noteFatal(error)
      if (c.closed && r.complete && error === undefined) {
        const write = d.cache.set(keyOf(c), r.entries).finally(() => d.writes.delete(write))
        d.writes.add(write)
      }
      return { ...r, chunk: c, entries: trim(r.entries, c) }
    }))
  }
  const tasks = chunks.map((c, i) => cached[i] !== undefined ? Promise.resolve(cached[i] as ChunkDone) : byChunk.get(c) as Promise<ChunkDone>)
  const outcome = await deliver(d, q, chunks.length, tasks, onPage, controller, deadline, () => fatal)
  await Promise.allSettled([counts, total, chunkCounts])
  return outcome
}
