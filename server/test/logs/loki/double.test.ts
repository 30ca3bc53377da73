import axios from 'axios'
import { afterEach, describe, expect, it } from 'vitest'
import { LogqlParseFailures, startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { lezerParseError } from '../../helpers/loki-double/lezer.js'

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0)
const H = 3_600_000
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n)
let d: LokiDouble | undefined
afterEach(async () => {
  const unexpected = d?.takeParseErrors() ?? []
  await d?.close()
  d = undefined
  expect(unexpected).toEqual([])
})

const get = (params: Record<string, string | number>) =>
  axios.get(`${d?.url}/loki/api/v1/query_range`, { params, validateStatus: () => true })

describe('Loki double', () => {
  it('answers streams newest first and cuts at the limit like Loki', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: T0, endMs: T0 + 6 * H } })
    const q = '{job=~"tovplay/.+"}'
    const all = d.trueCount(q, BigInt(ns(T0)), BigInt(ns(T0 + 6 * H)))
    expect(all).toBe(3000)
    const res = await get({ query: q, start: ns(T0), end: ns(T0 + 6 * H), limit: 1000, direction: 'backward' })
    expect(res.status).toBe(200)
    expect(res.data.data.resultType).toBe('streams')
    const values = res.data.data.result.flatMap((s: { values: string[][] }) => s.values)
    expect(values).toHaveLength(1000)
    const tss = values.map((v: string[]) => BigInt(v[0] as string)).sort((a: bigint, b: bigint) => (a < b ? -1 : 1))
    // The newest 1000 of the range: the oldest returned is newer than what was cut.
    expect(tss[0] >= BigInt(ns(T0 + 3 * H))).toBe(true)
  })

  it('evaluates line filters, (?i) and label regexes', async () => {
    d = await startLokiDouble({ data: { count: 2000, startMs: T0, endMs: T0 + H } })
    const base = { start: ns(T0), end: ns(T0 + H), limit: 1000 }
    const r1 = await get({ ...base, query: '{app="api"} |~ "(?i)error"' })
    const lines = r1.data.data.result.flatMap((s: { values: string[][] }) => s.values.map((v) => v[1]))
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) expect(l.toLowerCase()).toContain('error')
    expect(r1.data.data.result.every((s: { stream: { app: string } }) => s.stream.app === 'api')).toBe(true)
    const r2 = await get({ ...base, query: '{app=~"ap"}' })
    expect(r2.data.data.result).toHaveLength(0)
  })

  it('reproduces Loki 2.8 errors: limit, parse, regex, length, and the legacy whole-request 429', async () => {
    // lingerMs 0: the bad regex's 500 would otherwise start the 3.3 s cool-down (double-realism.test.ts).
    d = await startLokiDouble({ maxEntriesLimit: 1000, maxQueryLengthMs: 24 * H, maxConcurrent: 1, lingerMs: 0 })
    const base = { query: '{job="x"}', start: ns(T0), end: ns(T0 + H) }
    const tooMany = await get({ ...base, limit: 5000 })
    expect(tooMany.status).toBe(400)
    expect(tooMany.data).toBe('max entries limit per query exceeded, limit > max_entries_limit (5000 > 1000)')
    const parse = await get({ ...base, query: '{job="x" | json' })
    expect(parse.status).toBe(400)
    expect(parse.data).toBe('parse error at line 1, col 10: syntax error: unexpected |')
    const regex = await get({ ...base, query: '{job="x"} |~ "(a"' })
    expect(regex.status).toBe(500)
    expect(regex.data).toBe('rpc error: code = Unknown desc = parse error : stage \'|~ "(a"\' : error parsing regexp: missing closing ): `(a`')
    expect(d.takeParseErrors()).toMatchObject([
      { by: 'lezer', status: 400, query: '{job="x" | json', message: parse.data },
      { by: 'regex', status: 500, query: '{job="x"} |~ "(a"' },
    ])
    const long = await get({ ...base, end: ns(T0 + 48 * H) })
    expect(long.status).toBe(400)
    expect(long.data).toBe('the query time range exceeds the limit (query length: 48h0m0s, limit: 24h0m0s)')
    d.setOptions({ latencyMs: 100 })
    const [a, b] = await Promise.all([get(base), get(base)])
    expect([a.status, b.status].sort()).toEqual([200, 429])
    expect((a.status === 429 ? a : b).data).toBe('too many outstanding requests')
  })

  it('answers count_over_time as a matrix in float seconds', async () => {
    d = await startLokiDouble({ data: { count: 600, startMs: T0, endMs: T0 + H } })
    const res = await get({ query: 'sum(count_over_time({job=~".+"} |= "ERROR" [600s]))', start: ns(T0 + 600_000), end: ns(T0 + H), step: '600s' })
    expect(res.status).toBe(200)
    expect(res.data.data.resultType).toBe('matrix')
    const values = res.data.data.result[0].values as Array<[number, string]>
    expect(typeof values[0]?.[0]).toBe('number')
    const total = values.reduce((s, [, v]) => s + Number(v), 0)
    expect(total).toBe(d.trueCount('{job=~".+"} |= "ERROR"', BigInt(ns(T0)), BigInt(ns(T0 + H))))
  })

  it('records requests and serves buildinfo and ready', async () => {
    d = await startLokiDouble({ version: '2.9.2', tenant: 'team' })
    expect((await axios.get(`${d.url}/loki/api/v1/status/buildinfo`)).data.version).toBe('2.9.2')
    expect((await axios.get(`${d.url}/ready`)).status).toBe(200)
    const res = await axios.get(`${d.url}/loki/api/v1/query_range`, { params: { query: '{a="b"}' }, headers: { 'X-Scope-OrgID': 'team' } })
    expect(res.status).toBe(200)
    expect(d.queries()[0]).toMatchObject({ tenant: 'team', status: 200, query: '{a="b"}' })
  })

  it('parses every query with lezer-logql and words its errors as Loki does', () => {
    expect(lezerParseError('{job="x"} |= "y"')).toBeUndefined()
    expect(lezerParseError('sum(count_over_time({job=~".+"} |~ `(?i)a\\.b` !~ "c" [60s]))')).toBeUndefined()
    expect(lezerParseError('{job="x"} |= "y')).toBe('parse error at line 1, col 14: literal not terminated')
    expect(lezerParseError('{job="x"} |~ `y')).toBe('parse error at line 1, col 14: literal not terminated')
    expect(lezerParseError('{job="x"} |= "y" |')).toBe('parse error at line 1, col 19: syntax error: unexpected $end')
    expect(lezerParseError('sum(count_over_time({a="b"} [5m])')).toBe('parse error at line 1, col 34: syntax error: unexpected $end')
    expect(lezerParseError('{a="b"}\n|= 1')).toBe('parse error at line 2, col 4: syntax error: unexpected NUMBER 1')
    expect(lezerParseError('')).toBe('parse error at line 1, col 1: syntax error: unexpected $end')
  })

  it('records a query that does not parse even when a failure is injected, and close() rejects on it', async () => {
    d = await startLokiDouble()
    d.fail({ kind: 'status', status: 503, body: 'injected' })
    const res = await get({ query: '{job="x"} |= "a" | line_format' })
    expect(res.status).toBe(503)
    expect(d.queries()[0]?.parseError).toMatch(/^parse error at line 1, col \d+: syntax error: unexpected \$end$/)
    expect(d.parseErrors()).toHaveLength(1)
    const closing = d.close()
    d = undefined
    const err = await closing.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LogqlParseFailures)
    expect((err as LogqlParseFailures).failures.map((f) => f.by)).toEqual(['lezer'])
    expect((err as Error).message).toContain('| line_format')
  })

  it('answers 400 for LogQL beyond the double\'s subset, and records that too', async () => {
    d = await startLokiDouble()
    const res = await get({ query: '{job="x"} | json' })
    expect(res.status).toBe(400)
    expect(d.takeParseErrors()).toMatchObject([{ by: 'double', status: 400 }])
    expect(d.parseErrors()).toEqual([])
  })
})
