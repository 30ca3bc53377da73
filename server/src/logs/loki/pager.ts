/**
 * Fetches one range completely. A page that comes back with `limit` entries may
 * have been cut by Loki, so the range is paged backward from the oldest timestamp
 * seen (boundary entries are fetched again and de-duplicated); a range Loki calls
 * too long is split in two. Every stop short of complete carries its reason.
 */
import type { LogEntry } from '../source.js'
import { LokiHttpError } from './client.js'
import { rangeLabel } from './chunks.js'
import { parseStreams, QUERY_RANGE, type RequestContext, type Requester } from './requester.js'

export interface PagerContext {
  requester: Requester
  req: RequestContext
  query: string
  /** The entry limit sent; lowered for good when Loki names a smaller max. */
  entryLimit: { value: number }
  /** Pages and splits beyond one request per chunk (LOKI_MAX_SPLITS), shared by the whole query. */
  takeExtra: () => boolean
  /** True once the caller's maxEntries are collected: stop paging. */
  capReached: () => boolean
  onCollected: (n: number) => void
}

export interface RangeResult {
  /** Newest first, de-duplicated. */
  entries: LogEntry[]
  complete: boolean
  reasons: string[]
  /** Set when a request failed after its retries (entries then hold what came before). */
  error?: LokiHttpError
}

const labelKeys = new WeakMap<Record<string, string>, string>()
function labelsKey (labels: Record<string, string>): string {
  let k = labelKeys.get(labels)
  if (k === undefined) {
    k = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    labelKeys.set(labels, k)
  }
  return k
}

export const entryKey = (e: LogEntry) => `${e.tsNs}\u0000${labelsKey(e.labels)}\u0000${e.line}`

export function newestFirst (a: LogEntry, b: LogEntry): number {
  return a.tsNs > b.tsNs ? -1 : a.tsNs < b.tsNs ? 1 : 0
}

export async function fetchRange (ctx: PagerContext, startNs: bigint, endNs: bigint): Promise<RangeResult> {
  const seen = new Set<string>()
  const out: LogEntry[] = []
  const label = rangeLabel(startNs, endNs)
  const done = (complete: boolean, reasons: string[], error?: LokiHttpError): RangeResult => {
    out.sort(newestFirst)
    return error !== undefined ? { entries: out, complete, reasons, error } : { entries: out, complete, reasons }
  }
  let end = endNs
  let previousOldest: bigint | undefined
  for (;;) {
    const limit = ctx.entryLimit.value
    let page: LogEntry[]
    try {
      const body = await ctx.requester.get(QUERY_RANGE, {
        query: ctx.query,
        start: String(startNs),
        end: String(end),
        limit: String(limit),
        direction: 'backward',
      }, previousOldest === undefined ? ctx.req : { ...ctx.req, urgent: true })
      page = parseStreams(body)
    } catch (caught) {
      const err = caught as LokiHttpError
      if (err.kind === 'limit_too_high' && err.maxEntries !== undefined && err.maxEntries < limit && err.maxEntries > 0) {
        ctx.entryLimit.value = err.maxEntries
        continue
      }
      if (err.kind === 'too_long' && out.length === 0 && end - startNs > 1_000_000_000n && ctx.takeExtra()) {
        const mid = startNs + (end - startNs) / 2n
        const [newer, older] = await Promise.all([fetchRange(ctx, mid, end), fetchRange(ctx, startNs, mid)])
        out.push(...newer.entries, ...older.entries)
        return done(newer.complete && older.complete, [...newer.reasons, ...older.reasons], newer.error ?? older.error)
      }
      if (err.kind === 'too_long') return done(false, [`${label}: Loki refused the range as too long and no more splits were allowed (LOKI_MAX_SPLITS)`], err)
      return done(false, [], err)
    }
    let added = 0
    let oldest: bigint | undefined
    for (const e of page) {
      if (oldest === undefined || e.tsNs < oldest) oldest = e.tsNs
      const k = entryKey(e)
      if (seen.has(k)) continue
      seen.add(k)
      out.push(e)
      added++
    }
    ctx.onCollected(added)
    if (page.length < limit || oldest === undefined) return done(true, [])
    if (added === 0 && oldest === previousOldest) {
      return done(false, [`${label}: more than ${limit} entries share the timestamp ${oldest}; the rest of that instant cannot be paged`])
    }
    if (ctx.capReached()) return done(false, [`${label}: stopped paging at the entry cap; older entries of this range were not fetched`])
    if (!ctx.takeExtra()) return done(false, [`${label}: hit Loki's entry limit (${limit}) and the query used all its extra requests (LOKI_MAX_SPLITS); older entries of this range were not fetched`])
    previousOldest = oldest
    // End is exclusive: +1 ns fetches the rest of the boundary instant again (de-duplicated above).
    end = oldest + 1n
  }
}
