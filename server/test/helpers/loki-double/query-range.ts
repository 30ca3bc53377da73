/**
 * The double's /loki/api/v1/query_range, checked in the order Loki's frontend checks it
 * (pkg/querier/queryrange roundtrip.go, pkg/loghttp) and answered through the split-and-queue
 * frontend, with the limits and messages measured on a real Loki (docs/real-loki.md).
 */
import type http from 'node:http'
import type { StoredEntry } from './data.js'
import type { QueryFrontend, Refusal } from './frontend.js'
import { goQuote } from './go-regexp.js'
import { LogqlParseError, LogqlRegexError, type LogQuery, type ParsedQuery } from './logql.js'
import { mergeLimited, metricSubQueries, splitByInterval, type SplitResult } from './split.js'
import { formatGoDurationNs, parseGoDuration } from './time.js'

export interface QueryRangeRequest {
  params: Record<string, string>
  query: string
  startNs: bigint | undefined
  endNs: bigint | undefined
  /** Filled in: how many sub-queries the frontend split it into, and why a 429 was answered. */
  subQueries?: number
  refusedBy?: Refusal | 'limit'
}

export interface QueryRangeContext {
  maxEntriesLimit: number
  maxQueryLengthMs: number | undefined
  /** Queries of this many bytes or more are refused (Loki's parser maxInputSize). */
  maxQuerySize: number
  /** split_queries_by_interval in ms; 0 sends every request as one sub-query. */
  splitIntervalMs: number
  streams: Array<Record<string, string>>
  select: (q: LogQuery, startNs: bigint, endNs: bigint, limit: number, backward: boolean) => StoredEntry[]
  /** Parses the query; throws LogqlParseError (400) or LogqlRegexError (500 from the querier). */
  parse: (query: string) => ParsedQuery
  /** Called when the size check refuses the query (the double records it). */
  onSizeRefused: (message: string) => void
  frontend: QueryFrontend
  tenant: string
}

export const text = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  res.end(body)
}

export function json (res: http.ServerResponse, body: unknown) {
  if (res.headersSent || res.destroyed) return
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' })
  res.end(JSON.stringify(body))
}

/** Measured: the 429 body is exactly this (29 bytes), labelled JSON though it is not, and no Retry-After. */
export function tooManyOutstanding (res: http.ServerResponse, extra: Record<string, string> = {}) {
  text(res, 429, 'too many outstanding requests', { 'content-type': 'application/json; charset=UTF-8', ...extra })
}

/** Go's labels.String(): {a="x", b="y"}, names sorted; streams are ordered by it. */
export function labelString (labels: Record<string, string>): string {
  return '{' + Object.keys(labels).sort().map((k) => `${k}=${goQuote(labels[k] as string)}`).join(', ') + '}'
}

/** strconv.Atoi as Go words its failures; '' is Loki's default limit, 100. */
function parseLimit (raw: string | undefined): number | string {
  if (raw === undefined || raw === '') return 100
  if (!/^[+-]?\d+$/.test(raw)) return `strconv.Atoi: parsing ${goQuote(raw)}: invalid syntax`
  const n = BigInt(raw)
  if (n > 9223372036854775807n || n < -9223372036854775808n) return `strconv.Atoi: parsing ${goQuote(raw)}: value out of range`
  if (n <= 0n) return 'limit must be a positive value'
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n)
}

const NS_PER_MS = 1_000_000n

export async function answerQueryRange (rec: QueryRangeRequest, res: http.ServerResponse, ctx: QueryRangeContext): Promise<void> {
  const p = rec.params
  // Measured: a query of 5,120 bytes or more is refused before anything else is checked (2.x).
  const size = Buffer.byteLength(rec.query, 'utf8')
  if (size >= ctx.maxQuerySize) {
    const message = `parse error : input size too long (${size} > ${ctx.maxQuerySize})`
    ctx.onSizeRefused(message)
    return text(res, 400, message)
  }
  // loghttp.ParseRangeQuery: bounds, end before start, limit, direction, step.
  if ((p.start !== undefined && p.start !== '' && rec.startNs === undefined) || (p.end !== undefined && p.end !== '' && rec.endNs === undefined)) {
    return text(res, 400, `cannot parse "${p.start !== undefined && rec.startNs === undefined ? p.start : p.end}" to a valid timestamp`)
  }
  const endNs = rec.endNs ?? BigInt(Date.now()) * NS_PER_MS
  const startNs = rec.startNs ?? endNs - 3_600_000_000_000n
  // Measured: end < start is a 400 with this text; start == end is a 200 with nothing.
  if (endNs < startNs) return text(res, 400, 'end timestamp must not be before or equal to start time')
  const limit = parseLimit(p.limit)
  if (typeof limit === 'string') return text(res, 400, limit)
  const direction = (p.direction ?? '') === '' ? 'backward' : (p.direction as string).toLowerCase()
  if (direction !== 'backward' && direction !== 'forward') return text(res, 400, `invalid direction '${p.direction ?? ''}'`)
  const lengthNs = endNs - startNs
  const stepMs = p.step !== undefined && p.step !== '' ? parseGoDuration(p.step) : Math.max(Math.floor(Number(lengthNs / NS_PER_MS) / 250_000), 1) * 1000
  if (stepMs === undefined) return text(res, 400, `cannot parse "${p.step ?? ''}" to a valid duration`)
  if (stepMs <= 0) return text(res, 400, 'zero or negative query resolution step widths are not accepted. Try a positive integer')
  if (Number(lengthNs / NS_PER_MS) / stepMs > 11_000) return text(res, 400, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)')

  let parsed: ParsedQuery
  let regexError: LogqlRegexError | undefined
  try {
    parsed = ctx.parse(rec.query)
  } catch (err) {
    if (err instanceof LogqlParseError) return text(res, 400, err.message)
    if (!(err instanceof LogqlRegexError)) throw err
    // The frontend parses without compiling line-filter regexes; the querier's 500 comes later.
    regexError = err
    parsed = { kind: 'log', log: { matchers: [], filters: [] } }
  }
  const backward = direction === 'backward'
  // Measured: limit > max_entries_limit_per_query is a 400 for log queries; metric queries ignore limit.
  const isLog = regexError === undefined ? parsed.kind === 'log' : rec.query.trimStart().startsWith('{')
  if (isLog && limit > ctx.maxEntriesLimit) {
    return text(res, 400, `max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${ctx.maxEntriesLimit})`)
  }
  // Measured: over max_query_length (721h) → 400 naming both durations as Go prints them.
  if (ctx.maxQueryLengthMs !== undefined && lengthNs > BigInt(ctx.maxQueryLengthMs) * NS_PER_MS) {
    return text(res, 400, `the query time range exceeds the limit (query length: ${formatGoDurationNs(lengthNs)}, limit: ${formatGoDurationNs(BigInt(ctx.maxQueryLengthMs) * NS_PER_MS)})`)
  }
  const splitNs = BigInt(ctx.splitIntervalMs) * NS_PER_MS
  const summary = { bytesProcessedPerSecond: 0, linesProcessedPerSecond: 0, totalBytesProcessed: 0, totalLinesProcessed: 0, execTime: 0.001, queueTime: 0, subqueries: 1, totalEntriesReturned: 0 }
  const fail = (out: { status: number, body: string, refusedBy?: Refusal }) => {
    rec.refusedBy = out.refusedBy
    return out.status === 429 ? tooManyOutstanding(res) : text(res, out.status, out.body)
  }
  const byLabels = (a: number, b: number) => {
    const x = labelString(ctx.streams[a] as Record<string, string>)
    const y = labelString(ctx.streams[b] as Record<string, string>)
    return x < y ? -1 : x > y ? 1 : 0
  }

  if (parsed.kind === 'log') {
    const log = parsed.log
    const pieces = ctx.splitIntervalMs > 0 ? splitByInterval(startNs, endNs, splitNs) : [[startNs, endNs] as [bigint, bigint]]
    if (pieces.length === 0) pieces.push([startNs, endNs])
    // A backward query is worked on newest interval first (the frontend reverses the intervals).
    if (backward) pieces.reverse()
    rec.subQueries = summary.subqueries = pieces.length
    const exec = (i: number): SplitResult => {
      if (regexError !== undefined) throw regexError
      const [s, e] = pieces[i] as [bigint, bigint]
      const out: SplitResult = new Map()
      for (const entry of ctx.select(log, s, e, limit, backward)) {
        let vals = out.get(entry.stream)
        if (vals === undefined) out.set(entry.stream, (vals = []))
        vals.push(entry)
      }
      return out
    }
    const count = (r: SplitResult) => { let n = 0; for (const v of r.values()) n += v.length; return n }
    // The splitter stops reading answers, in order, once they hold `limit` lines.
    const outcome = await ctx.frontend.run(ctx.tenant, pieces.length, exec, (rs) => pieces.length > 1 && rs.reduce((n, r) => n + count(r), 0) >= limit)
    if (!outcome.ok) return fail(outcome)
    let merged: Map<number, StoredEntry[]>
    if (pieces.length === 1) {
      // One sub-query: the querier's answer, exact, streams sorted by their label sets.
      const only = outcome.results[0] as SplitResult
      merged = new Map([...only.keys()].sort(byLabels).map((k) => [k, only.get(k) as StoredEntry[]]))
    } else {
      // Several: the frontend's merge, with its quirk; keys in reverse label order for backward.
      merged = mergeLimited(outcome.results, limit, backward, (ks) => { const sorted = ks.sort(byLabels); return backward ? sorted.reverse() : sorted })
    }
    const result = [...merged].map(([s, entries]) => ({ stream: ctx.streams[s], values: entries.map((e) => [String(e.tsNs), e.line]) }))
    summary.totalEntriesReturned = result.reduce((n, r) => n + r.values.length, 0)
    return json(res, { status: 'success', data: { resultType: 'streams', result, stats: { summary } } })
  }

  const rangeNs = BigInt(parsed.rangeMs) * NS_PER_MS
  const stepNs = BigInt(stepMs) * NS_PER_MS
  // Measured: with an unaligned start, points fall at multiples of the step. Loki's metric
  // splitter aligns start down and end up to the step before splitting.
  let firstNs = startNs
  let lastNs = endNs
  if (ctx.splitIntervalMs > 0) {
    firstNs = startNs - (((startNs % stepNs) + stepNs) % stepNs)
    const mod = ((endNs % stepNs) + stepNs) % stepNs
    if (mod !== 0n) lastNs = endNs + stepNs - mod
  } else {
    firstNs = (startNs / NS_PER_MS) * NS_PER_MS
  }
  const n = metricSubQueries(firstNs, lastNs, stepNs, splitNs, rangeNs)
  rec.subQueries = summary.subqueries = n
  const outcome = await ctx.frontend.run(ctx.tenant, n, () => { if (regexError !== undefined) throw regexError; return null })
  if (!outcome.ok) return fail(outcome)
  // count_over_time at t counts (t − range, t]: one pass, each entry counts towards every such t.
  const steps = Number((lastNs - firstNs) / stepNs) + 1
  const counts = new Map<number, number[]>()
  for (const e of ctx.select(parsed.log, firstNs - rangeNs + 1n, lastNs + 1n, Number.MAX_SAFE_INTEGER, false)) {
    const key = parsed.sum ? -1 : e.stream
    let arr = counts.get(key)
    if (arr === undefined) counts.set(key, (arr = new Array<number>(steps).fill(0)))
    const from = e.tsNs <= firstNs ? 0 : Number((e.tsNs - firstNs + stepNs - 1n) / stepNs)
    for (let k = from; k < steps && firstNs + BigInt(k) * stepNs - rangeNs < e.tsNs; k++) arr[k] = (arr[k] as number) + 1
  }
  const keys = [...counts.keys()].sort((a, b) => a < 0 || b < 0 ? 0 : byLabels(a, b))
  const firstMs = Number(firstNs / NS_PER_MS)
  const series = keys.map((s) => ({
    metric: s < 0 ? {} : ctx.streams[s] as Record<string, string>,
    values: (counts.get(s) as number[]).flatMap((c, k): Array<[number, string]> => c === 0 ? [] : [[(firstMs + k * stepMs) / 1000, String(parsed.fn === 'rate' ? c / (parsed.rangeMs / 1000) : c)]]),
  }))
  return json(res, { status: 'success', data: { resultType: 'matrix', result: series, stats: { summary } } })
}
