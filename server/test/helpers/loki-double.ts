/**
 * An HTTP double of Loki's query API for tests and benchmarks. It follows the
 * documented `GET /loki/api/v1/query_range` contract (streams and matrix answers,
 * ns/RFC3339/float-second times, limit/direction/step) and reproduces the failure
 * modes seen on a real Loki 2.8: 400 for a limit above max_entries_limit_per_query
 * and for a too-long range, 500 "error parsing regexp" for a bad line-filter regex,
 * 429 "too many outstanding requests" (plain text, no newline) under load.
 * It evaluates a subset of LogQL for real, so limits cut results as Loki does,
 * and it knows the true count of any query for completeness checks.
 *
 * Every query it receives is parsed with @grafana/lezer-logql first. One that does not
 * parse (an error node), or that the double's own parser or RE2 refuses, is answered as
 * Loki would (400 "parse error ...", or 500 "error parsing regexp") AND recorded:
 * close() then rejects, naming the queries, unless the test took them with
 * takeParseErrors() (tests that send bad LogQL on purpose do, and assert on them).
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { generateEntries, lowerBound, mulberry32, type GenerateOptions, type StoredEntry } from './loki-double/data.js'
import { lezerParseError } from './loki-double/lezer.js'
import { LogqlParseError, LogqlRegexError, matchesLine, matchesStream, parseLogql, type LogQuery, type ParsedQuery } from './loki-double/logql.js'
import { answerQueryRange, json, text } from './loki-double/query-range.js'
import { parseLokiTime } from './loki-double/time.js'

export { generateEntries, type GenerateOptions } from './loki-double/data.js'

export interface LokiDoubleOptions {
  /** Mean latency of a query_range answer in ms (default 0). */
  latencyMs?: number
  /** Uniform jitter ± ms around latencyMs (default 0). */
  jitterMs?: number
  /** More queries in flight than this get 429 "too many outstanding requests" (default: no limit). */
  maxConcurrent?: number
  /** More admitted queries than this within any rolling second get 429 (default: no limit). */
  maxQueriesPerSecond?: number
  /** Loki's max_entries_limit_per_query (default 5000, as Loki's default). */
  maxEntriesLimit?: number
  /** Loki's max_query_length in ms; longer ranges get 400 (default: no limit). */
  maxQueryLengthMs?: number
  /** Retry-After header value sent with 429s (default none, like Loki). */
  retryAfter?: string
  /** Version reported by /loki/api/v1/status/buildinfo; null answers 404 there (old Loki). Default 2.8.4. */
  version?: string | null
  /** When set, requests must carry this X-Scope-OrgID (401 "no org id" otherwise). */
  tenant?: string
  /** When set, requests must carry exactly this Authorization header (401 otherwise). */
  authorization?: string
  /** Log data: generated (deterministic) or given as streams. */
  data?: GenerateOptions | { streams: Array<Record<string, string>>, entries: StoredEntry[] }
  /** Seed of the latency jitter (default 7). */
  seed?: number
}

/** A scripted failure, applied to matching query_range requests (all of them by default). */
export interface FailureRule {
  /** down: reset the connection; hang: never answer; status: answer with status/body. */
  kind: 'down' | 'hang' | 'status'
  status?: number
  body?: string
  headers?: Record<string, string>
  /** How many requests it applies to (default: until cleared). */
  times?: number
  match?: (req: RecordedRequest) => boolean
}

export interface RecordedRequest {
  at: number
  path: string
  params: Record<string, string>
  query: string
  startNs: bigint | undefined
  endNs: bigint | undefined
  limit: number | undefined
  direction: string | undefined
  step: string | undefined
  tenant: string | undefined
  authorization: string | undefined
  /** Status answered (0 while in flight or when the connection was reset or left hanging). */
  status: number
  /** Why @grafana/lezer-logql rejects `query` (query_range only), as Loki would word it. */
  parseError?: string
}

/** A received query that Loki would refuse as LogQL. */
export interface ParseFailure {
  query: string
  /** lezer: the grammar (error node); double: the double's parser; regex: RE2 refused a line-filter regex. */
  by: 'lezer' | 'double' | 'regex'
  /** What the double answered (400, or 500 for a bad regex as Loki 2.8). */
  status: 400 | 500
  message: string
}

export interface LokiDouble {
  url: string
  requests: RecordedRequest[]
  /** Only the query_range requests. */
  queries: () => RecordedRequest[]
  fail: (rule: FailureRule) => void
  clearFailures: () => void
  setOptions: (o: Partial<LokiDoubleOptions>) => void
  /** Replace the stored data. */
  load: (data: NonNullable<LokiDoubleOptions['data']>) => void
  /** How many lines a LogQL log query matches in [startNs, endNs), without any limit. */
  trueCount: (query: string, startNs: bigint, endNs: bigint) => number
  stats: { maxInFlight: number, rateLimited: number }
  /** The received queries Loki would refuse as LogQL, so far. */
  parseErrors: () => ParseFailure[]
  /** The same, and forget them: for tests that send bad LogQL on purpose. */
  takeParseErrors: () => ParseFailure[]
  /** Stops the server; rejects if queries that do not parse were received and not taken. */
  close: () => Promise<void>
}

export class LogqlParseFailures extends Error {
  constructor (readonly failures: ParseFailure[]) {
    super(`the Loki double received ${failures.length} ${failures.length === 1 ? 'query' : 'queries'} that Loki would refuse:\n` +
      failures.slice(0, 5).map((f) => `  ${f.by} (${f.status}): ${f.message}\n    in ${f.query.length > 300 ? f.query.slice(0, 300) + '…' : f.query}`).join('\n'))
    this.name = 'LogqlParseFailures'
  }
}

export async function startLokiDouble (options: LokiDoubleOptions = {}): Promise<LokiDouble> {
  let opts: LokiDoubleOptions = { maxEntriesLimit: 5000, version: '2.8.4', ...options }
  let store = { streams: [] as Array<Record<string, string>>, entries: [] as StoredEntry[] }
  // Line-filter results per filter set and entry (0 unknown, 1 match, 2 no), so the double's own
  // CPU time stays small next to its configured latency on repeated queries.
  let memo = new Map<string, Uint8Array>()
  const load = (data: NonNullable<LokiDoubleOptions['data']>) => {
    store = 'entries' in data ? data : generateEntries(data)
    memo = new Map()
  }
  if (opts.data !== undefined) load(opts.data)
  const rnd = mulberry32(opts.seed ?? 7)
  const requests: RecordedRequest[] = []
  let failures: FailureRule[] = []
  const admitted: number[] = []
  let inFlight = 0
  const stats = { maxInFlight: 0, rateLimited: 0 }
  let parseFailures: ParseFailure[] = []
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

  const select = (q: LogQuery, startNs: bigint, endNs: bigint, limit: number, backward: boolean): StoredEntry[] => {
    const ok = store.streams.map((l) => matchesStream(q, l))
    const key = JSON.stringify(q.filters.map((f) => [f.op, f.value]))
    let seen = memo.get(key)
    if (seen === undefined) memo.set(key, (seen = new Uint8Array(store.entries.length)))
    const lo = lowerBound(store.entries, startNs)
    const hi = lowerBound(store.entries, endNs)
    const out: StoredEntry[] = []
    for (let k = 0; k < hi - lo && out.length < limit; k++) {
      const i = backward ? hi - 1 - k : lo + k
      const e = store.entries[i] as StoredEntry
      if (ok[e.stream] !== true) continue
      if (seen[i] === 0) seen[i] = matchesLine(q, e.line) ? 1 : 2
      if (seen[i] === 1) out.push(e)
    }
    return out
  }

  /** Lezer's verdict first (already recorded), then the double's own parser and RE2. */
  const parse = (rec: RecordedRequest, query: string): ParsedQuery => {
    if (rec.parseError !== undefined) throw new LogqlParseError(rec.parseError)
    try {
      return parseLogql(query)
    } catch (err) {
      if (err instanceof LogqlRegexError) parseFailures.push({ query, by: 'regex', status: 500, message: err.message })
      else if (err instanceof LogqlParseError) parseFailures.push({ query, by: 'double', status: 400, message: err.message })
      throw err
    }
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://double')
    const params = Object.fromEntries(u.searchParams)
    const header = (name: string) => { const v = req.headers[name]; return Array.isArray(v) ? v[0] : v }
    const limitRaw = params.limit
    const rec: RecordedRequest = {
      at: Date.now(),
      path: u.pathname,
      params,
      query: params.query ?? '',
      startNs: parseLokiTime(params.start),
      endNs: parseLokiTime(params.end),
      limit: limitRaw !== undefined ? Number(limitRaw) : undefined,
      direction: params.direction,
      step: params.step,
      tenant: header('x-scope-orgid'),
      authorization: header('authorization'),
      status: 0,
    }
    requests.push(rec)
    res.on('finish', () => { rec.status = res.statusCode })
    if (u.pathname === '/loki/api/v1/query_range') {
      const parseError = lezerParseError(rec.query)
      if (parseError !== undefined) {
        rec.parseError = parseError
        parseFailures.push({ query: rec.query, by: 'lezer', status: 400, message: parseError })
      }
    }

    if (u.pathname === '/ready') return text(res, 200, 'ready\n')
    if (u.pathname === '/loki/api/v1/status/buildinfo') {
      if (opts.version === null) return text(res, 404, '404 page not found\n')
      return json(res, { version: opts.version, revision: 'double', branch: 'HEAD', buildUser: 'double', buildDate: '2023-07-21T12:00:00Z', goVersion: 'go1.20.6' })
    }
    if (u.pathname !== '/loki/api/v1/query_range') return text(res, 404, '404 page not found\n')
    if (opts.tenant !== undefined && rec.tenant !== opts.tenant) return text(res, 401, 'no org id\n')
    if (opts.authorization !== undefined && rec.authorization !== opts.authorization) return text(res, 401, 'Unauthorized\n')

    const rule = failures.find((f) => (f.times === undefined || f.times > 0) && (f.match === undefined || f.match(rec)))
    if (rule !== undefined) {
      if (rule.times !== undefined) rule.times--
      if (rule.kind === 'down') return req.socket.destroy()
      if (rule.kind === 'hang') return
      return text(res, rule.status ?? 500, rule.body ?? 'injected failure', rule.headers)
    }

    const now = Date.now()
    while (admitted.length > 0 && (admitted[0] as number) <= now - 1000) admitted.shift()
    if ((opts.maxConcurrent !== undefined && inFlight >= opts.maxConcurrent) ||
        (opts.maxQueriesPerSecond !== undefined && admitted.length >= opts.maxQueriesPerSecond)) {
      stats.rateLimited++
      return text(res, 429, 'too many outstanding requests', opts.retryAfter !== undefined ? { 'retry-after': opts.retryAfter } : {})
    }
    admitted.push(now)
    inFlight++
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight)
    let done = false
    const finish = () => { if (!done) { done = true; inFlight-- } }
    res.on('close', finish)
    const delay = Math.max(0, (opts.latencyMs ?? 0) + (rnd() * 2 - 1) * (opts.jitterMs ?? 0))
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (res.destroyed) return finish()
      try {
        answerQueryRange(rec, res, { maxEntriesLimit: opts.maxEntriesLimit ?? 5000, maxQueryLengthMs: opts.maxQueryLengthMs, streams: store.streams, select, parse: (query) => parse(rec, query) })
      } catch (err) {
        text(res, 500, `double failed: ${(err as Error).message}`)
      }
      finish()
    }, delay)
    timers.add(timer)
  }

  const server = http.createServer((req, res) => {
    try {
      handle(req, res)
    } catch (err) {
      text(res, 500, (err as Error).message)
    }
  })
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queries: () => requests.filter((r) => r.path === '/loki/api/v1/query_range'),
    fail: (rule) => { failures.push(rule) },
    clearFailures: () => { failures = [] },
    setOptions: (o) => { opts = { ...opts, ...o } },
    load,
    trueCount: (query, startNs, endNs) => {
      const parsed = parseLogql(query)
      return select(parsed.log, startNs, endNs, Number.MAX_SAFE_INTEGER, true).length
    },
    stats,
    parseErrors: () => [...parseFailures],
    takeParseErrors: () => { const taken = parseFailures; parseFailures = []; return taken },
    close: async () => {
      for (const t of timers) clearTimeout(t)
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      if (parseFailures.length > 0) {
        const failures = parseFailures
        parseFailures = []
        throw new LogqlParseFailures(failures)
      }
    },
  }
}
