/**
 * A range query: plan aligned chunks, serve closed ones from the cache, plan the
 * requests for the rest from line counts, fetch them in parallel (the limiter
 * bounds what reaches Loki), then deliver chunk by chunk, newest first. Partial
 * failures and caps end up in the outcome, never thrown.
 */
import { LogQueryError, type LogEntry, type LogQuery, type QueryOutcome } from '../source.js'
import type { ChunkCache } from './cache.js'
import { NS_PER_MS, planChunks, type Chunk } from './chunks.js'
import { LokiHttpError } from './client.js'
import { countLines } from './counts.js'
import { deliver, type ChunkDone } from './deliver.js'
import { isFatal } from './errors.js'
import type { LokiMetrics } from './metrics.js'
import { fetchRange, type PagerContext, type RangeResult } from './pager.js'
import { MIN_CHUNKS_TO_PLAN, piecesOf, planPieces, type Piece } from './plan.js'
import type { Requester } from './requester.js'

export interface QueryDeps {
  requester: Requester
  cache: ChunkCache
  metrics: LokiMetrics
  url: string
  tenant: string | undefined
  chunkNs: bigint
  /** Chunks ending before now minus this are closed. */
  ingestionLagNs: bigint
  /** LOKI_PLAN_TIMEOUT_MS; default COUNT_TIMEOUT_MS. */
  planTimeoutMs?: number
  deadlineMs: number
  maxSplits: number
  entryLimit: { value: number }
  /** Plan requests from a count query first (on by default). */
  planByCounts?: boolean
  /** Requests Loki would take right now (the limiter's bound): the count query leaves the rest idle. */
  idleSlots?: () => number
  /** Background cache writes, awaited on close. */
  writes: Set<Promise<void>>
  now?: () => number
}

const within = (entries: LogEntry[], s: bigint, e: bigint) => entries.filter((x) => x.tsNs >= s && x.tsNs < e)
const trim = (entries: LogEntry[], c: Chunk) =>
  c.fetchStartNs === c.startNs && c.fetchEndNs === c.endNs ? entries : within(entries, c.startNs, c.endNs)

export async function runQuery (d: QueryDeps, q: LogQuery, logql: string, onPage: (entries: LogEntry[]) => void): Promise<QueryOutcome> {
  if (q.endNs <= q.startNs) throw new LogQueryError('the range is empty: start must be before end', 400)
  if (!(q.maxEntries > 0)) throw new LogQueryError('maxEntries must be at least 1', 400)
  const controller = new AbortController()
  const deadline = AbortSignal.timeout(d.deadlineMs)
  const signal = AbortSignal.any(q.signal !== undefined ? [controller.signal, deadline, q.signal] : [controller.signal, deadline])
  const nowNs = BigInt(d.now?.() ?? Date.now()) * NS_PER_MS
  const chunks = planChunks(q.startNs, q.endNs, d.chunkNs, nowNs - d.ingestionLagNs)
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

  // A fetched chunk (whole, before trimming): measure, remember a fatal error, cache it if complete.
  const finish = (chunk: Chunk, r: RangeResult, seconds: number): ChunkDone => {
    const kind = r.error?.kind
    d.metrics.chunkDuration.observe({ outcome: kind === undefined ? 'ok' : kind === 'timeout' || kind === 'aborted' ? 'timeout' : kind === 'rate_limited' ? 'rate_limited' : 'error' }, seconds)
    if (r.error !== undefined && isFatal(r.error) && fatal === undefined) {
      fatal = r.error
      controller.abort()
    }
    if (chunk.closed && r.complete && r.error === undefined) {
      const w = d.cache.set(keyOf(chunk), r.entries).finally(() => d.writes.delete(w))
      d.writes.add(w)
    }
    return { ...r, chunk, entries: trim(r.entries, chunk) }
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
  const byChunk = new Map<Chunk, Promise<ChunkDone>>()
  const fetchPieces = (group: Chunk[], pieces: Piece[]) => {
    const started = performance.now()
    const results = pieces.map((p) => fetchRange(ctx, p.startNs, p.endNs).catch((err: unknown): RangeResult => ({
      entries: [], complete: false, reasons: [], error: err instanceof LokiHttpError ? err : new LokiHttpError('server_error', (err as Error).message),
    })))
    const reported = new Set<number>()
    for (const chunk of group) {
      const mine = piecesOf(chunk, pieces)
      // A piece's reasons are told once, with the newest chunk it covers.
      const tellReasons = mine.filter((i) => !reported.has(i))
      for (const i of tellReasons) reported.add(i)
      byChunk.set(chunk, Promise.all(mine.map((i) => results[i] as Promise<RangeResult>)).then((rs) => {
        const error = rs.find((r) => r.error !== undefined)?.error
        const merged: RangeResult = {
          entries: rs.length === 1 && pieces[mine[0] as number]?.startNs === chunk.fetchStartNs && pieces[mine[0] as number]?.endNs === chunk.fetchEndNs
            ? (rs[0] as RangeResult).entries
            : within(rs.flatMap((r) => r.entries), chunk.fetchStartNs, chunk.fetchEndNs),
          complete: rs.every((r) => r.complete),
          reasons: rs.flatMap((r, k) => tellReasons.includes(mine[k] as number) ? r.reasons : []),
        }
        return finish(chunk, error !== undefined ? { ...merged, error } : merged, (performance.now() - started) / 1000)
      }))
    }
  }
  const toFetch = chunks.filter((_, i) => cached[i] === undefined)
  // The open chunk needs no plan: it starts while the closed ones are being counted.
  const open = toFetch.filter((c) => !c.closed)
  fetchPieces(open, open.map((c) => ({ startNs: c.fetchStartNs, endNs: c.fetchEndNs })))
  let closed = toFetch.filter((c) => c.closed)
  if (d.planByCounts === false || closed.length < MIN_CHUNKS_TO_PLAN) {
    fetchPieces(closed, planPieces(closed, undefined, d.entryLimit.value))
  } else {
    // Slots left idle while the count query runs go to the newest closed chunks, unplanned.
    const early = closed.slice(0, Math.max(0, Math.min(d.idleSlots?.() ?? 0, closed.length - MIN_CHUNKS_TO_PLAN) - open.length - 1))
    fetchPieces(early, planPieces(early, undefined, d.entryLimit.value))
    closed = closed.slice(early.length)
    const counts = await countLines(d, ctx, logql, closed).catch(() => undefined)
    fetchPieces(closed, planPieces(closed, counts, d.entryLimit.value))
  }
  const tasks = chunks.map((c, i) => cached[i] !== undefined ? Promise.resolve(cached[i] as ChunkDone) : byChunk.get(c) as Promise<ChunkDone>)
  return await deliver(d, q, chunks.length, tasks, onPage, controller, deadline, () => fatal)
}
