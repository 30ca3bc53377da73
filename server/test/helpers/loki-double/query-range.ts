/** The double's GET /loki/api/v1/query_range: parameters, limits and errors as Loki 2.8 answers them. */
import type http from 'node:http'
import type { StoredEntry } from './data.js'
import { LogqlParseError, LogqlRegexError, type LogQuery, type ParsedQuery } from './logql.js'
import { formatGoDuration, parseGoDuration } from './time.js'

export interface QueryRangeRequest {
  params: Record<string, string>
  query: string
  startNs: bigint | undefined
  endNs: bigint | undefined
  limit: number | undefined
}

export interface QueryRangeContext {
  maxEntriesLimit: number
  maxQueryLengthMs: number | undefined
  streams: Array<Record<string, string>>
  select: (q: LogQuery, startNs: bigint, endNs: bigint, limit: number, backward: boolean) => StoredEntry[]
  /** Parses the query; throws LogqlParseError (400) or LogqlRegexError (500) as Loki refuses it. */
  parse: (query: string) => ParsedQuery
}

export const text = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  res.end(body)
}

export function json (res: http.ServerResponse, body: unknown) {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' })
  res.end(JSON.stringify(body))
}

export function answerQueryRange (rec: QueryRangeRequest, res: http.ServerResponse, ctx: QueryRangeContext): void {
  const p = rec.params
  const maxEntries = ctx.maxEntriesLimit
  if (rec.limit !== undefined && (!Number.isInteger(rec.limit) || rec.limit <= 0)) return text(res, 400, 'limit must be a positive value')
  const limit = rec.limit ?? 100
  if (limit > maxEntries) return text(res, 400, `max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${maxEntries})`)
  if ((p.start !== undefined && rec.startNs === undefined) || (p.end !== undefined && rec.endNs === undefined)) {
    return text(res, 400, `cannot parse "${p.start !== undefined && rec.startNs === undefined ? p.start : p.end}" to a valid timestamp`)
  }
  const endNs = rec.endNs ?? BigInt(Date.now()) * 1_000_000n
  const startNs = rec.startNs ?? endNs - 3_600_000_000_000n
  if (endNs < startNs) return text(res, 400, 'end timestamp must not be before or equal to start time')
  const direction = (p.direction ?? 'backward').toLowerCase()
  if (direction !== 'backward' && direction !== 'forward') return text(res, 400, `invalid direction '${p.direction ?? ''}'`)
  const lengthMs = Number((endNs - startNs) / 1_000_000n)
  if (ctx.maxQueryLengthMs !== undefined && lengthMs > ctx.maxQueryLengthMs) {
    return text(res, 400, `the query time range exceeds the limit (query length: ${formatGoDuration(lengthMs)}, limit: ${formatGoDuration(ctx.maxQueryLengthMs)})`)
  }
  let parsed
  try {
    parsed = ctx.parse(rec.query)
  } catch (err) {
    if (err instanceof LogqlRegexError) return text(res, 500, err.message)
    if (err instanceof LogqlParseError) return text(res, 400, err.message)
    throw err
  }
  const summary = { bytesProcessedPerSecond: 0, linesProcessedPerSecond: 0, totalBytesProcessed: 0, totalLinesProcessed: 0, execTime: 0.001, queueTime: 0, subqueries: 1, totalEntriesReturned: 0 }
  if (parsed.kind === 'log') {
    const picked = ctx.select(parsed.log, startNs, endNs, limit, direction === 'backward')
    const byStream = new Map<number, Array<[string, string]>>()
    for (const e of picked) {
      let vals = byStream.get(e.stream)
      if (vals === undefined) byStream.set(e.stream, (vals = []))
      vals.push([String(e.tsNs), e.line])
    }
    const result = [...byStream].map(([s, values]) => ({ stream: ctx.streams[s], values }))
    summary.totalEntriesReturned = picked.length
    return json(res, { status: 'success', data: { resultType: 'streams', result, stats: { summary } } })
  }
  const stepMs = p.step !== undefined ? parseGoDuration(p.step) : Math.max(Math.floor(lengthMs / 250_000), 1) * 1000
  if (stepMs === undefined || stepMs <= 0) return text(res, 400, `cannot parse "${p.step ?? ''}" to a valid duration`)
  if (lengthMs / stepMs > 11_000) return text(res, 400, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)')
  // One pass over the matching entries: each one counts towards every step t with t - range < ts <= t.
  const rangeNs = BigInt(parsed.rangeMs) * 1_000_000n
  const stepNs = BigInt(stepMs) * 1_000_000n
  const startMsAligned = Number(startNs / 1_000_000n)
  const firstNs = BigInt(startMsAligned) * 1_000_000n
  const steps = Math.floor(Number(endNs - firstNs) / 1e6 / stepMs) + 1
  const counts = new Map<number, number[]>()
  for (const e of ctx.select(parsed.log, firstNs - rangeNs + 1n, endNs + 1n, Number.MAX_SAFE_INTEGER, false)) {
    const key = parsed.sum ? -1 : e.stream
    let arr = counts.get(key)
    if (arr === undefined) counts.set(key, (arr = new Array<number>(steps).fill(0)))
    const from = e.tsNs <= firstNs ? 0 : Number((e.tsNs - firstNs + stepNs - 1n) / stepNs)
    for (let k = from; k < steps && firstNs + BigInt(k) * stepNs - rangeNs < e.tsNs; k++) arr[k] = (arr[k] as number) + 1
  }
  const series = [...counts].map(([s, arr]) => ({
    metric: s < 0 ? {} : ctx.streams[s] as Record<string, string>,
    values: arr.flatMap((c, k): Array<[number, string]> => c === 0 ? [] : [[(startMsAligned + k * stepMs) / 1000, String(parsed.fn === 'rate' ? c / (parsed.rangeMs / 1000) : c)]]),
  }))
  return json(res, { status: 'success', data: { resultType: 'matrix', result: series, stats: { summary } } })
}
