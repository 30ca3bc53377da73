/**
 * The lines around one entry of one stream, from Loki. Every request stays inside one
 * window of the grid (windows.ts), so Loki's answer to a limited query is exact there
 * (a limited query across split intervals is not: docs/real-loki.md). Lines after the
 * entry are read forward from its instant (which also brings the lines sharing it, so the
 * entry is found by its hash); lines before it backward, window by window, up to
 * CONTEXT_SPAN_NS away. Requests go through the source's requester: its limiter, breaker,
 * retries and 429 handling. At most MAX_REQUESTS_PER_SIDE requests are sent each way.
 */
import type { ContextOutcome, ContextQuery, LogEntry } from '../source.js'
import { lineHash } from '../line-hash.js'
import { entryKey } from './pager.js'
import { parseStreams, QUERY_RANGE, type RequestContext, type Requester } from './requester.js'

/** How far from the entry lines are looked for, each way: one hour. */
export const CONTEXT_SPAN_NS = 3_600_000_000_000n
export const MAX_REQUESTS_PER_SIDE = 6
/** Lines sharing the entry's instant read with the first forward page, beyond `after`. */
const SAME_INSTANT_SLACK = 20

export interface LokiContextDeps {
  requester: Requester
  req: RequestContext
  /** The stream selector (already within the query-size budget). */
  query: string
  windowNs: bigint
  /** Loki's max_entries_limit_per_query as the source knows it. */
  entryLimit: number
}

const ascending = (a: LogEntry, b: LogEntry) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0)

async function page (d: LokiContextDeps, startNs: bigint, endNs: bigint, limit: number, direction: 'forward' | 'backward'): Promise<LogEntry[]> {
  const body = await d.requester.get(QUERY_RANGE, {
    query: d.query,
    start: String(startNs),
    end: String(endNs),
    limit: String(Math.max(1, Math.min(limit, d.entryLimit))),
    direction,
  }, d.req)
  return parseStreams(body)
}

/** Lines at and after tsNs, oldest first: enough to hold the entry's instant and `after` more. */
async function readAfter (d: LokiContextDeps, q: ContextQuery, wanted: (got: LogEntry[]) => boolean): Promise<{ lines: LogEntry[], more: boolean }> {
  const stopNs = q.tsNs + CONTEXT_SPAN_NS
  const seen = new Set<string>()
  const lines: LogEntry[] = []
  let start = q.tsNs
  for (let n = 0; n < MAX_REQUESTS_PER_SIDE && start < stopNs; n++) {
    const windowEnd = (start / d.windowNs + 1n) * d.windowNs
    const end = windowEnd < stopNs ? windowEnd : stopNs
    const limit = Math.min(d.entryLimit, q.after + 1 + SAME_INSTANT_SLACK)
    const got = (await page(d, start, end, limit, 'forward')).sort(ascending)
    let added = 0
    for (const e of got) {
      const k = entryKey(e)
      if (seen.has(k)) continue
      seen.add(k)
      lines.push(e)
      added++
    }
    if (wanted(lines)) return { lines, more: true }
    const full = got.length >= limit
    // A full page continues from its newest instant (fetched again, de-duplicated); a short one with the next window.
    if (full && added > 0) start = (got[got.length - 1] as LogEntry).tsNs
    else if (full) return { lines, more: true }
    else start = end
  }
  return { lines, more: start < stopNs }
}

/** Up to `count` lines strictly before tsNs, oldest first. */
async function readBefore (d: LokiContextDeps, tsNs: bigint, count: number): Promise<{ lines: LogEntry[], more: boolean }> {
  const stopNs = tsNs - CONTEXT_SPAN_NS
  const newestFirst: LogEntry[] = []
  let end = tsNs
  for (let n = 0; n < MAX_REQUESTS_PER_SIDE && newestFirst.length < count && end > stopNs; n++) {
    const windowStart = (end - 1n) / d.windowNs * d.windowNs
    const start = windowStart > stopNs ? windowStart : stopNs
    const need = count - newestFirst.length
    const limit = Math.min(need, d.entryLimit)
    const got = (await page(d, start, end, limit, 'backward')).sort(ascending).reverse()
    newestFirst.push(...got)
    if (newestFirst.length >= count) return { lines: newestFirst.reverse(), more: true }
    // Inside one window a limited answer is the newest `limit`: a full one (Loki's entry limit below
    // the count) continues below its oldest instant; other lines of that very instant are not read.
    const oldest = got[got.length - 1]
    end = got.length >= limit && oldest !== undefined ? oldest.tsNs : start
  }
  return { lines: newestFirst.reverse(), more: newestFirst.length >= count || end > stopNs }
}

export async function lokiContext (d: LokiContextDeps, q: ContextQuery): Promise<ContextOutcome> {
  const locate = (lines: LogEntry[]) => {
    const same = lines.filter((e) => e.tsNs === q.tsNs)
    const exact = q.lineHash === undefined ? -1 : same.findIndex((e) => lineHash(e.line) === q.lineHash)
    const at = exact >= 0 ? lines.indexOf(same[exact] as LogEntry) : same.length > 0 ? lines.indexOf(same[0] as LogEntry) : -1
    return { at, match: exact >= 0 ? 'exact' as const : at >= 0 ? 'time' as const : 'none' as const }
  }
  const after = await readAfter(d, q, (lines) => {
    // Enough once the instant is passed and `after` lines follow the entry.
    const { at } = locate(lines)
    const last = lines[lines.length - 1]
    return at >= 0 && last !== undefined && last.tsNs > q.tsNs && lines.length - 1 - at >= q.after
  })
  const { at, match } = locate(after.lines)
  if (at < 0) return { lines: [], sampleIndex: -1, match: 'none', moreBefore: false, moreAfter: false }
  // Lines of the same instant read before the entry count as lines before it.
  const sameBefore = after.lines.slice(0, at)
  const need = Math.max(0, q.before - sameBefore.length)
  const before = need > 0 ? await readBefore(d, q.tsNs, need) : { lines: [], more: true }
  const beforeLines = q.before === 0 ? [] : [...before.lines, ...sameBefore].slice(-q.before)
  const afterLines = after.lines.slice(at + 1, at + 1 + q.after)
  return {
    lines: [...beforeLines, after.lines[at] as LogEntry, ...afterLines],
    sampleIndex: beforeLines.length,
    match,
    moreBefore: q.before > 0 && (before.more || sameBefore.length > q.before),
    moreAfter: q.after > 0 && (after.more || after.lines.length - 1 - at > q.after),
  }
}
