import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lineHash } from '../../../src/logs/line-hash.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { auth, buildTestApp, type TestApp } from '../../helpers/app.js'

// The lines around a sample, from Loki (the HTTP double, with its realistic split and limits).
let loki: LokiDouble
let t: TestApp
const HOUR = 3_600_000
const NOW = Date.now()
// A split-interval boundary 1–2 h ago: the context of a sample just after it spans two windows.
const EDGE = Math.floor(NOW / HOUR) * HOUR - HOUR
const ns = (ms: number) => BigInt(ms) * 1_000_000n
const API = { job: 'tovplay/api', app: 'api', env: 'prod', pod: 'api-7d9f' }
const WEB = { job: 'tovplay/web', app: 'web', env: 'prod', pod: 'web-1' }
const apiLine = (i: number) => `{"level":30,"time":${EDGE + i * 10_000},"reqId":"req-${i}","msg":"request ${i} done"}`
// The api stream: 60 lines 10 s apart, from EDGE - 300 s (its first line) to EDGE + 290 s.
const apiEntries = Array.from({ length: 60 }, (_, k) => ({ tsNs: ns(EDGE + (k - 30) * 10_000), stream: 0, line: apiLine(k - 30) }))
const SAMPLE_MS = EDGE + 5_000
const SAMPLE = '{"level":50,"time":' + SAMPLE_MS + ',"reqId":"req-boom","err":{"type":"KeyError","message":"\'player_7\'","stack":"KeyError: \'player_7\'\\n    at save (app.js:10)"},"msg":"session save failed"}'
const TWIN = 'level=info msg="same instant, other line" request_id=twin-1'

beforeAll(async () => {
  const entries = [
    ...apiEntries,
    { tsNs: ns(SAMPLE_MS), stream: 0, line: TWIN },
    { tsNs: ns(SAMPLE_MS), stream: 0, line: SAMPLE },
    // Interleaved lines of another stream never show in the api stream's context.
    ...Array.from({ length: 40 }, (_, k) => ({ tsNs: ns(EDGE + (k - 20) * 7_000 + 3), stream: 1, line: `web line ${k}` })),
  ].sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0))
  loki = await startLokiDouble({ data: { streams: [API, WEB], entries } })
  t = await buildTestApp({ LOKI_URL: loki.url, GRAFANA_URL: 'https://grafana.example.com/' }, { parts: { database: false, alerts: false, scheduling: false, web: false } })
}, 60_000)
afterAll(async () => {
  await t?.close()
  await loki?.close()
})

const context = (q: Record<string, string>) => t.app.inject({ method: 'GET', url: `/logs/api/errors/context?${new URLSearchParams(q).toString()}`, headers: auth() })
const base = { labels: JSON.stringify(API), tsNs: String(ns(SAMPLE_MS)), lineHash: lineHash(SAMPLE) }

describe('GET /logs/api/errors/context from Loki', () => {
  it('answers the N lines before and after the sample in its own stream, the sample marked, across a window edge', async () => {
    loki.requests.length = 0
    const res = await context({ ...base, before: '10', after: '5' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ source: 'loki', match: 'exact', sampleIndex: 10, moreBefore: true, moreAfter: true, stream: API })
    expect(body.lines).toHaveLength(16)
    const sample = body.lines[10]
    expect(sample.sample).toBe(true)
    expect(body.lines.filter((l: { sample?: boolean }) => l.sample === true)).toHaveLength(1)
    expect(sample.tsNs).toBe(base.tsNs)
    expect(sample.fields).toMatchObject({ level: 'error', msg: 'session save failed', reqId: 'req-boom' })
    expect(sample.fields.err).toContain("KeyError: 'player_7'")
    expect(sample.requestId).toBe('req-boom')
    expect(sample.auditUrl).toBe('/logs/api/scheduling/audit?requestId=req-boom')
    // The other line of the same instant comes just before the sample (a text line, its id found in the text).
    expect(body.lines[9].line).toBe(TWIN)
    expect(body.lines[9].requestId).toBe('twin-1')
    expect(body.lines[9].fields).toBeUndefined()
    // Before: the twin and the 9 api lines before it, across the hour edge: EDGE - 80 s .. EDGE + 0.
    expect(body.lines.slice(0, 9).map((l: { fields: { msg: string } }) => l.fields.msg)).toEqual([-8, -7, -6, -5, -4, -3, -2, -1, 0].map((i) => `request ${i} done`))
    expect(body.lines.slice(11).map((l: { fields: { msg: string } }) => l.fields.msg)).toEqual([1, 2, 3, 4, 5].map((i) => `request ${i} done`))
    expect(body.lines.every((l: { line: string }) => !l.line.startsWith('web line'))).toBe(true)
    const times = body.lines.map((l: { tsNs: string }) => BigInt(l.tsNs))
    expect(times).toEqual([...times].sort((a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)))
    // Every request stays inside one split interval (exact there), names the stream, and stays within Loki's limits.
    // (The feed's background jobs query the whole selector; the context's queries name the stream.)
    const qs = loki.queries().filter((q) => q.query.includes('pod='))
    expect(qs.length).toBeGreaterThanOrEqual(2)
    expect(qs.length).toBeLessThanOrEqual(6)
    for (const q of qs) {
      expect(q.query).toBe('{job=~".+", app="api", env="prod", job="tovplay/api", pod="api-7d9f"}')
      expect(q.limit).toBeLessThanOrEqual(1000)
      expect((q.startNs as bigint) / ns(HOUR)).toBe(((q.endNs as bigint) - 1n) / ns(HOUR))
    }
    expect(loki.parseErrors()).toEqual([])
  })

  it('gives fewer lines at the edge of the stream, and says there are no more', async () => {
    const first = apiEntries[0] as { tsNs: bigint, line: string }
    const res = await context({ labels: JSON.stringify(API), tsNs: String(first.tsNs), lineHash: lineHash(first.line), before: '20', after: '3' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ sampleIndex: 0, moreBefore: false, moreAfter: true })
    expect(body.lines).toHaveLength(4)
    expect(body.lines[0].line).toBe(first.line)
  })

  it('uses the defaults (20 each way) and takes 0', async () => {
    const res = await context(base)
    expect(res.json().lines).toHaveLength(41)
    const none = await context({ ...base, before: '0', after: '0' })
    expect(none.json()).toMatchObject({ sampleIndex: 0, moreBefore: false, moreAfter: false })
    expect(none.json().lines).toHaveLength(1)
  })

  it('falls back to the line of that instant when the hash matches none, and says so', async () => {
    const res = await context({ ...base, lineHash: '0123456789abcdef', before: '1', after: '1' })
    expect(res.statusCode).toBe(200)
    expect(res.json().match).toBe('time')
  })

  it('answers 404 with a clear message for a sample that is not there', async () => {
    const res = await context({ ...base, tsNs: String(ns(SAMPLE_MS) + 1n) })
    expect(res.statusCode).toBe(404)
    expect(res.json().message).toMatch(/no line of this stream at .* the sample is no longer there/)
    const other = await context({ ...base, labels: JSON.stringify({ ...API, pod: 'gone' }) })
    expect(other.statusCode).toBe(404)
  })

  it('links the context to Grafana Explore on the stream and the lines\' range', async () => {
    const body = (await context({ ...base, before: '2', after: '2' })).json()
    const url = new URL(body.exploreUrl)
    expect(url.origin + url.pathname).toBe('https://grafana.example.com/explore')
    expect(url.searchParams.get('schemaVersion')).toBe('1')
    const panes = JSON.parse(url.searchParams.get('panes') as string)
    const pane = panes[Object.keys(panes)[0] as string]
    expect(pane.queries[0].expr).toBe('{job=~".+", app="api", env="prod", job="tovplay/api", pod="api-7d9f"}')
    expect(pane.queries[0].datasource).toEqual({ type: 'loki', uid: 'tovwatch-loki' })
    expect(Number(pane.range.from)).toBe(Number(BigInt(body.lines[0].tsNs) / 1_000_000n))
    expect(Number(pane.range.to)).toBe(Number(BigInt(body.lines[4].tsNs) / 1_000_000n) + 1)
  })

  it('gives each feed group an Explore link with its LogQL and the feed\'s range, and samples that find their context', async () => {
    const feed = (await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=24h&q=save', headers: auth() })).json()
    const group = feed.groups[0]
    const pane = Object.values(JSON.parse(new URL(group.exploreUrl).searchParams.get('panes') as string))[0] as { queries: Array<{ expr: string }>, range: { from: string, to: string } }
    expect(pane.queries[0]?.expr).toBe('{job=~".+", app="api", job="tovplay/api"} |= "save" |= "KeyError"')
    expect(pane.range).toEqual({ from: String(Date.parse(feed.range.start)), to: String(Date.parse(feed.range.end)) })
    const s = group.samples[0]
    expect(s).toMatchObject({ tsNs: base.tsNs, lineHash: base.lineHash })
    const res = await context({ labels: JSON.stringify(s.labels), tsNs: s.tsNs, lineHash: s.lineHash, before: '1', after: '1' })
    expect(res.json()).toMatchObject({ match: 'exact', sampleIndex: 1 })
  })
})

describe('GET /logs/api/errors/context when Loki pushes back', () => {
  it('learns a smaller entry limit and still answers the lines asked for', async () => {
    loki.setOptions({ maxEntriesLimit: 4 })
    loki.requests.length = 0
    try {
      const res = await context({ ...base, before: '10', after: '6' })
      expect(res.statusCode).toBe(200)
      const body = res.json()
      expect(body).toMatchObject({ sampleIndex: 10, match: 'exact' })
      expect(body.lines).toHaveLength(17)
      expect(body.lines[0].fields.msg).toBe('request -8 done')
      expect(body.lines[16].fields.msg).toBe('request 6 done')
      // Loki named its limit once (400); every later request kept within it.
      const mine = loki.queries().filter((r) => r.query.includes('pod='))
      expect(mine.filter((r) => r.status === 400)).toHaveLength(1)
      expect(mine.filter((r) => r.status === 200).every((r) => (r.limit as number) <= 4)).toBe(true)
    } finally {
      loki.setOptions({ maxEntriesLimit: 1000 })
    }
  })

  it('retries a 429 through the shared limiter and answers', async () => {
    loki.requests.length = 0
    loki.fail({ kind: 'status', status: 429, body: 'too many outstanding requests', times: 1, match: (r) => r.query.includes('pod=') })
    const res = await context({ ...base, before: '2', after: '2' })
    expect(res.statusCode).toBe(200)
    expect(res.json().lines).toHaveLength(5)
    const mine = loki.queries().filter((r) => r.query.includes('pod='))
    expect(mine.filter((r) => r.status === 429)).toHaveLength(1)
    expect(mine.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2)
  })

  it('says Loki is unreachable (503) without a stack when it is down', async () => {
    loki.fail({ kind: 'down', match: (r) => r.query.includes('pod=') })
    try {
      const res = await context({ ...base, before: '2', after: '2' })
      expect(res.statusCode).toBe(503)
      expect(res.json().message).toMatch(/^Loki is unreachable/)
      expect(res.body).not.toMatch(/at .*\.ts:\d+/)
    } finally {
      loki.clearFailures()
    }
  }, 60_000)
})
