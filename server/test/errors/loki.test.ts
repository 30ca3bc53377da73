import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLokiDouble, type LokiDouble } from '../helpers/loki-double.js'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'

// End to end: the same route, served from Loki (the HTTP double) when LOKI_URL is set.
let loki: LokiDouble
let t: TestApp
const NOW = Date.now()
const ns = (ms: number) => BigInt(ms) * 1_000_000n

beforeAll(async () => {
  const streams = [{ job: 'tovplay/api', app: 'api', env: 'prod', pod: 'api-7d9f' }, { job: 'tovplay/web', app: 'web', env: 'prod', pod: 'web-1' }]
  const raw: Array<[number, number, string]> = []
  for (let i = 0; i < 40; i++) raw.push([NOW - 3000_000 + i * 1000, 0, `10.0.0.${i} - - [22/Nov/2026:02:05:10 +0000] "GET /api/games/${i} HTTP/1.1" 200 512 "-" "Mozilla/5.0"`])
  for (let i = 0; i < 6; i++) raw.push([NOW - 2000_000 + i * 1000, 0, `{"level":50,"time":${NOW - 2000_000 + i * 1000},"err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.${i}:5432"},"msg":"session save failed for player ${100 + i}"}`])
  raw.push([NOW - 1500_000, 0, '2026-11-22 02:05:10.123 UTC [91] FATAL:  database "TovPlay" does not exist'])
  raw.push([NOW - 1400_000, 1, '10.0.0.9 - - [22/Nov/2026:02:05:10 +0000] "GET /logs/api/health HTTP/1.1" 503 12 "-" "kube-probe/1.29"'])
  raw.push([NOW - 1300_000, 1, 'level=warn msg="retrying chunk" attempt=2'])
  raw.push([NOW - 1200_000, 1, '{"level":30,"msg":"server listening"}'])
  raw.sort((a, b) => a[0] - b[0])
  loki = await startLokiDouble({ data: { streams, entries: raw.map(([ms, stream, line]) => ({ tsNs: ns(ms), stream, line })) } })
  t = await buildTestApp({ LOKI_URL: loki.url }, { parts: { database: false, alerts: false, scheduling: false, web: false } })
}, 60_000)
afterAll(async () => {
  await t?.close()
  await loki?.close()
})

describe('GET /logs/api/errors from Loki', () => {
  it('groups, classifies and counts lines from Loki', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h', headers: auth() })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ source: 'loki', complete: true, failedChunks: [] })
    expect(body.groups.map((g: { severity: string, count: number }) => [g.severity, g.count])).toEqual([['critical', 1], ['high', 6], ['high', 1]])
    const save = body.groups[1]
    expect(save.labels).toEqual({ job: 'tovplay/api', app: 'api' })
    expect(save.template).toBe('session save failed for player <n> | Error: connect ECONNREFUSED <ip>')
    // The series is counted from the classified lines, proven by count_over_time: noise excluded, each line once.
    expect(body.totals).toEqual({ critical: 1, high: 7, medium: 1, low: 0 })
    for (const sev of ['critical', 'high', 'medium', 'low']) {
      expect(body.series[sev].reduce((a: number, b: number) => a + b, 0)).toBe(body.totals[sev])
    }
    const queries = loki.queries().map((q) => q.query)
    expect(queries.some((q) => q.startsWith('sum(count_over_time('))).toBe(true)
    // Loki 2.x's 5,120-byte limit: the rules stay in the classifier, no noise filter is sent.
    expect(queries.every((q) => Buffer.byteLength(q) < 5120 && !q.includes('!~'))).toBe(true)
  })

  it('sends the user search to Loki and answers with what matches: plain text as written, /re/i in any case', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&q=${encodeURIComponent('/econnrefused/i')}`, headers: auth() })
    expect(res.statusCode).toBe(200)
    expect(res.json().groups.map((g: { count: number }) => g.count)).toEqual([6])
    expect(res.json().totals.high).toBe(6)
    const exact = await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&q=${encodeURIComponent('ECONNREFUSED')}`, headers: auth() })
    expect(exact.json().totals.high).toBe(6)
    const lower = await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&q=${encodeURIComponent('econnrefused')}`, headers: auth() })
    expect(lower.statusCode).toBe(200)
    expect(lower.json().groups).toEqual([])
    expect(loki.queries().some((q) => q.query.includes('|= "ECONNREFUSED"'))).toBe(true)
  })

  it('answers 502 with Loki\'s message when Loki refuses the query', async () => {
    loki.fail({ kind: 'status', status: 400, body: 'parse error at line 1, col 12: syntax error: unexpected IDENTIFIER' })
    try {
      const res = await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h', headers: auth() })
      expect(res.statusCode).toBe(502)
      expect(res.json().message).toContain('parse error at line 1')
    } finally {
      loki.clearFailures()
    }
  })

  it('says Loki is unreachable (503) when it is down, after bounded retries', async () => {
    loki.fail({ kind: 'down' })
    try {
      const res = await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h', headers: auth() })
      // Every chunk failed: nothing to show, so the answer is the source's 503, not an empty feed.
      expect(res.statusCode).toBe(503)
      expect(res.json().message).toMatch(/Loki is unreachable/)
    } finally {
      loki.clearFailures()
    }
  })
})
