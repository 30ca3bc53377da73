/**
 * An HTTP double of Loki's query API for tests and benchmarks that behaves, by default, like the
 * real Loki TovWatch is deployed against (measured on Loki 2.8.0, same frontend and parser as the
 * compose file's 2.9.10; see docs/real-loki.md in the shared docs). Each behaviour names the fact
 * it models where it is built:
 * - the query-size limit of the version it reports (query-range.ts, version.ts);
 * - the frontend's split by interval, per-tenant queue, 429s and their lingering (frontend.ts);
 * - the merge of limited log queries across split intervals, not the newest N (split.ts);
 * - time bounds, limits and their messages (query-range.ts, time.ts);
 * - regexes as Go's regexp compiles them (go-regexp.ts).
 * Defaults are those realistic limits; tests opt into others through the options.
 * It evaluates a subset of LogQL for real, and knows the true count of any query
 * (trueCount) so tests and benchmarks can check exactness.
 *
 * Every query it receives is parsed with @grafana/lezer-logql first. One that does not
 * parse (an error node), that is too long for the reported version, or that the double's own
 * parser or Go's regexp refuses, is answered as Loki would (400 "parse error ...", or 500 for a
 * bad regex) AND recorded: close() then rejects, naming the queries, unless the test took them
 * with takeParseErrors() (tests that send such queries on purpose do, and assert on them).
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { configYaml } from './loki-double/config.js'
import { generateEntries, lowerBound, mulberry32, type GenerateOptions, type StoredEntry } from './loki-double/data.js'
import { QueryFrontend, type Refusal } from './loki-double/frontend.js'
import { lezerParseError } from './loki-double/lezer.js'
import { LogqlParseError, LogqlRegexError, matchesLine, matchesStream, parseLogql, type LogQuery, type ParsedQuery } from './loki-double/logql.js'
import { answerQueryRange, json, text, tooManyOutstanding } from './loki-double/query-range.js'
import { parseLokiTime } from './loki-double/time.js'
import { goVersionFor, maxQuerySizeFor } from './loki-double/version.js'

export { generateEntries, type GenerateOptions } from './loki-double/data.js'

export interface LokiDoubleOptions {
  /**
   * Version reported by /loki/api/v1/status/buildinfo; null answers 404 there (old Loki).
   * Default "2.9.10", the compose file's image. It sets the defaults of maxQuerySize and goVersion.
   */
  version?: string | null
  /**
   * Queries of this many bytes or more get 400 "parse error : input size too long (N > M)".
   * Default from the version: 5,120 before 3.0 (and for "", "main-…", null), 131,072 from 3.0.
   */
  maxQuerySize?: number
  /** Go release reported in buildinfo and used for regex rules ((?<name>) needs ≥ go1.22). Default from the version. */
  goVersion?: string
  /** split_queries_by_interval in ms (default 1h, as measured; Loki's own default is 30m). 0: no split. */
  splitIntervalMs?: number
  /** max_query_parallelism: sub-queries of one request outstanding at a time (default 4). */
  maxQueryParallelism?: number
  /** Querier workers per tenant taking sub-queries off the queue (default 4). */
  querierConcurrency?: number
  /** max_outstanding_per_tenant: waiting sub-queries beyond this → 429 (default 6). */
  maxOutstandingPerTenant?: number
  /** Cool-down after a queue overflow or a 500 in which every sub-query gets 429 (default 3300; measured ~3.3 s). 0: off. */
  lingerMs?: number
  /** Time a querier works on one sub-query, ms (default 2). */
  latencyMs?: number
  /** Uniform jitter ± ms around latencyMs (default 0). */
  jitterMs?: number
  /** Loki's max_entries_limit_per_query (default 1000, as on the measured Loki). */
  maxEntriesLimit?: number
  /** Loki's max_query_length in ms; longer ranges get 400 (default 721h, as measured). */
  maxQueryLengthMs?: number
  /** /ready answers 503 for this long after start (default 0: the while is not measured). */
  readyAfterMs?: number
  /** Serve GET /config (Loki's running configuration, as YAML) like Loki does (default true); false → 404. */
  exposeConfig?: boolean
  /** Legacy: more whole requests in flight than this get 429 (default: no limit). */
  maxConcurrent?: number
  /** Legacy: more admitted requests than this within any rolling second get 429 (default: no limit). */
  maxQueriesPerSecond?: number
  /** Retry-After header value sent with legacy-limit 429s (default none, like Loki). */
  retryAfter?: string
  /** When set, requests must carry this X-Scope-OrgID (401 "no org id" otherwise). Without it the tenant is "fake", as Loki's with auth disabled. */
  tenant?: string
  /** When set, requests must carry exactly this Authorization header (401 otherwise). */
  authorization?: string
  /** Log data: generated (deterministic) or given as streams. */
  data?: GenerateOptions | { streams: Array<Record<string, string>>, entries: StoredEntry[] }
  /** Seed of the latency jitter (default 7). */
  seed?: number
}

/** The realistic defaults (docs/real-loki.md); version-dependent ones are derived at use. */
export const LOKI_DOUBLE_DEFAULTS = {
  version: '2.9.10',
  splitIntervalMs: 3_600_000,
  maxQueryParallelism: 4,
  querierConcurrency: 4,
  maxOutstandingPerTenant: 6,
  lingerMs: 3300,
  latencyMs: 2,
  maxEntriesLimit: 1000,
  maxQueryLengthMs: 721 * 3_600_000,
  readyAfterMs: 0,
  exposeConfig: true,
} as const satisfies LokiDoubleOptions

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
  /** How many sub-queries the frontend split it into (query_range answered past validation). */
  subQueries?: number
  /** Why a 429 was answered: the tenant's queue was full, the cool-down after one, or a legacy limit. */
  refusedBy?: Refusal | 'limit'
}

/** A received query that Loki would refuse as LogQL. */
export interface ParseFailure {
  query: string
  /** lezer: the grammar (error node); size: too long for the version; double: the double's parser; regex: Go's regexp refused a line-filter regex. */
  by: 'lezer' | 'size' | 'double' | 'regex'
  /** What the double answered (400, or 500 for a bad regex as Loki). */
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
  /** rateLimited counts every 429; queueRefused/lingerRefused the frontend's; subQueries those enqueued. */
  stats: { maxInFlight: number, rateLimited: number, subQueries: number, queueRefused: number, lingerRefused: number }
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
  let opts: LokiDoubleOptions = { ...LOKI_DOUBLE_DEFAULTS, ...options }
  const startedAt = Date.now()
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
  let parseFailures: ParseFailure[] = []
  const sockets = new Set<Socket>()
  const goVersion = () => opts.goVersion ?? goVersionFor(opts.version)
  const frontend = new QueryFrontend(() => ({
    maxQueryParallelism: opts.maxQueryParallelism ?? LOKI_DOUBLE_DEFAULTS.maxQueryParallelism,
    querierConcurrency: opts.querierConcurrency ?? LOKI_DOUBLE_DEFAULTS.querierConcurrency,
    maxOutstandingPerTenant: opts.maxOutstandingPerTenant ?? LOKI_DOUBLE_DEFAULTS.maxOutstandingPerTenant,
    lingerMs: opts.lingerMs ?? LOKI_DOUBLE_DEFAULTS.lingerMs,
    latency: () => (opts.latencyMs ?? LOKI_DOUBLE_DEFAULTS.latencyMs) + (rnd() * 2 - 1) * (opts.jitterMs ?? 0),
  }))
  const base = { maxInFlight: 0, rateLimited: 0 }
  const stats = {
    get maxInFlight () { return base.maxInFlight },
    get rateLimited () { return base.rateLimited },
    get subQueries () { return frontend.stats.subQueries },
    get queueRefused () { return frontend.stats.queueRefused },
    get lingerRefused () { return frontend.stats.lingerRefused },
  }

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

  /** Lezer's verdict first (already recorded), then the double's own parser and Go's regexp. */
  const parse = (rec: RecordedRequest, query: string): ParsedQuery => {
    if (rec.parseError !== undefined) throw new LogqlParseError(rec.parseError)
    try {
      return parseLogql(query, goVersion())
    } catch (err) {
      if (err instanceof LogqlRegexError) parseFailures.push({ query, by: 'regex', status: 500, message: err.message })
      else if (err instanceof LogqlParseError) parseFailures.push({ query, by: 'double', status: 400, message: err.message })
      throw err
    }
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, body: string) => {
    const u = new URL(req.url ?? '/', 'http://double')
    // Like Go's Request.Form: a form-encoded POST body first, then the URL's parameters.
    const params: Record<string, string> = {}
    for (const [k, v] of new URLSearchParams(body)) if (!(k in params)) params[k] = v
    for (const [k, v] of u.searchParams) if (!(k in params)) params[k] = v
    const header = (name: string) => { const v = req.headers[name]; return Array.isArray(v) ? v[0] : v }
    const limitRaw = params.limit
    const rec: RecordedRequest = {
      at: Date.now(),
      path: u.pathname,
      params,
      query: params.query ?? '',
      startNs: parseLokiTime(params.start),
      endNs: parseLokiTime(params.end),
      limit: limitRaw !== undefined && limitRaw !== '' ? Number(limitRaw) : undefined,
      direction: params.direction,
      step: params.step,
      tenant: header('x-scope-orgid'),
      authorization: header('authorization'),
      status: 0,
    }
    requests.push(rec)
    res.on('finish', () => { rec.status = res.statusCode })
    const isQueryRange = u.pathname === '/loki/api/v1/query_range'
    const maxQuerySize = opts.maxQuerySize ?? maxQuerySizeFor(opts.version)
    // Lezer only sees queries that pass the size check: Loki's parser refuses longer ones first.
    if (isQueryRange && Buffer.byteLength(rec.query, 'utf8') < maxQuerySize) {
      const parseError = lezerParseError(rec.query)
      if (parseError !== undefined) {
        rec.parseError = parseError
        parseFailures.push({ query: rec.query, by: 'lezer', status: 400, message: parseError })
      }
    }

    if (u.pathname === '/ready') {
      // Measured: "ready\n", and 503 for a while after start.
      if (Date.now() - startedAt < (opts.readyAfterMs ?? 0)) return text(res, 503, 'Ingester not ready: waiting for 15s after being ready\n')
      return text(res, 200, 'ready\n')
    }
    if (u.pathname === '/loki/api/v1/status/buildinfo') {
      if (opts.version === null) return text(res, 404, '404 page not found\n')
      return json(res, { version: opts.version ?? LOKI_DOUBLE_DEFAULTS.version, revision: 'double', branch: 'HEAD', buildUser: 'double', buildDate: '2024-07-01T12:00:00Z', goVersion: goVersion() })
    }
    if (u.pathname === '/config' && opts.exposeConfig !== false) {
      return text(res, 200, configYaml({
        maxOutstandingPerTenant: opts.maxOutstandingPerTenant ?? LOKI_DOUBLE_DEFAULTS.maxOutstandingPerTenant,
        maxEntriesLimit: opts.maxEntriesLimit ?? LOKI_DOUBLE_DEFAULTS.maxEntriesLimit,
        maxQueryLengthMs: opts.maxQueryLengthMs,
        maxQueryParallelism: opts.maxQueryParallelism ?? LOKI_DOUBLE_DEFAULTS.maxQueryParallelism,
        splitIntervalMs: opts.splitIntervalMs ?? LOKI_DOUBLE_DEFAULTS.splitIntervalMs,
      }))
    }
    if (!isQueryRange) return text(res, 404, '404 page not found\n')
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
      base.rateLimited++
      rec.refusedBy = 'limit'
      return tooManyOutstanding(res, opts.retryAfter !== undefined ? { 'retry-after': opts.retryAfter } : {})
    }
    admitted.push(now)
    inFlight++
    base.maxInFlight = Math.max(base.maxInFlight, inFlight)
    try {
      await answerQueryRange(rec, res, {
        maxEntriesLimit: opts.maxEntriesLimit ?? LOKI_DOUBLE_DEFAULTS.maxEntriesLimit,
        maxQueryLengthMs: opts.maxQueryLengthMs,
        maxQuerySize,
        splitIntervalMs: opts.splitIntervalMs ?? LOKI_DOUBLE_DEFAULTS.splitIntervalMs,
        streams: store.streams,
        select,
        parse: (query) => parse(rec, query),
        onSizeRefused: (message) => { parseFailures.push({ query: rec.query, by: 'size', status: 400, message }) },
        frontend,
        tenant: rec.tenant ?? 'fake',
      })
      if (rec.refusedBy !== undefined) base.rateLimited++
    } finally {
      inFlight--
    }
  }

  // Go's net/http reads up to 1 MiB of request line and headers (DefaultMaxHeaderBytes): a 40 KB
  // URL reaches Loki's parser (measured), where Node's 16 KiB default would answer 431.
  const server = http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const form = req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      handle(req, res, form ? Buffer.concat(chunks).toString('utf8') : '').catch((err: unknown) => {
        text(res, 500, `double failed: ${(err as Error).message}`)
      })
    })
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
      const parsed = parseLogql(query, 'go1.22.5')
      return select(parsed.log, startNs, endNs, Number.MAX_SAFE_INTEGER, true).length
    },
    stats,
    parseErrors: () => [...parseFailures],
    takeParseErrors: () => { const taken = parseFailures; parseFailures = []; return taken },
    close: async () => {
      frontend.close()
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
