/**
 * The Loki double is the Loki TovWatch runs against: each test drives the double the way the
 * real Loki 2.8.0 was driven (../shared/docs/real-loki.md, issue #10's table) and asserts the
 * answer the real server gave. Defaults are the realistic limits; a test sets an option only
 * where the measured setup differs (or to make timing deterministic).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startLokiDouble, type LokiDouble, type LokiDoubleOptions } from '../../helpers/loki-double.js'
import type { StoredEntry } from '../../helpers/loki-double/data.js'

const H = 3_600_000
const D = 24 * H
/** An hour boundary: split intervals are aligned to multiples of 1 h since the epoch. */
const T = Date.UTC(2026, 10, 20, 12, 0, 0)
const ns = (ms: number) => BigInt(ms) * 1_000_000n
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let d: LokiDouble | undefined
afterEach(async () => {
  const unexpected = d?.takeParseErrors() ?? []
  await d?.close()
  d = undefined
  expect(unexpected).toEqual([])
})

interface Answer { status: number, body: string, headers: Headers, json: () => any }
async function query (params: Record<string, string | number>, init: { tenant?: string, method?: 'GET' | 'POST', pad?: number } = {}): Promise<Answer> {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))
  if (init.pad !== undefined) search.set('pad', 'x'.repeat(init.pad))
  const headers: Record<string, string> = init.tenant !== undefined ? { 'X-Scope-OrgID': init.tenant } : {}
  const res = init.method === 'POST'
    ? await fetch(`${d?.url}/loki/api/v1/query_range`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: search.toString() })
    : await fetch(`${d?.url}/loki/api/v1/query_range?${search.toString()}`, { headers })
  const body = await res.text()
  return { status: res.status, body, headers: res.headers, json: () => JSON.parse(body) }
}

/** Lines per stream label `app` in a streams answer. */
function perApp (a: Answer): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of a.json().data.result as Array<{ stream: Record<string, string>, values: string[][] }>) out[s.stream.app as string] = s.values.length
  return out
}
const tsOf = (a: Answer): bigint[] => (a.json().data.result as Array<{ values: string[][] }>).flatMap((s) => s.values.map((v) => BigInt(v[0] as string)))

/** A query of exactly `bytes` bytes (UTF-8), optionally made of a multi-byte character. */
function queryOfBytes (bytes: number, ch = 'a'): string {
  const head = '{job="x"} |= "'
  const room = bytes - Buffer.byteLength(head + '"')
  const unit = Buffer.byteLength(ch)
  const q = head + ch.repeat(Math.floor(room / unit)) + 'a'.repeat(room % unit) + '"'
  expect(Buffer.byteLength(q)).toBe(bytes)
  return q
}

describe('query size, by the version the double reports', () => {
  it('2.x: 5,120 bytes or more → 400 "input size too long (N > 5120)", checked before syntax; 5,119 pass', async () => {
    d = await startLokiDouble()
    const range = { start: ns(T - H).toString(), end: ns(T).toString() }
    expect((await query({ ...range, query: queryOfBytes(5119) })).status).toBe(200)
    const at = await query({ ...range, query: queryOfBytes(5120) })
    expect(at.status).toBe(400)
    expect(at.body).toBe('parse error : input size too long (5120 > 5120)')
    // Bytes, not characters: 2,600 "é" are 5,200 bytes.
    const wide = queryOfBytes(8744, 'é')
    expect(wide.length).toBeLessThan(5120)
    expect((await query({ ...range, query: wide })).body).toBe('parse error : input size too long (8744 > 5120)')
    // Before syntax: a long query that does not even parse gets the size error.
    const garbage = '{job="x" |= ' + 'x'.repeat(6000)
    expect((await query({ ...range, query: garbage })).body).toBe(`parse error : input size too long (${Buffer.byteLength(garbage)} > 5120)`)
    expect(d.takeParseErrors().map((f) => [f.by, f.status])).toEqual([['size', 400], ['size', 400], ['size', 400]])
  })

  it('the limit follows buildinfo: 3.9.0 → 131,072; "" and main-abc123 act like 2.x', async () => {
    const range = { start: ns(T - H).toString(), end: ns(T).toString() }
    for (const [version, limit] of [['3.9.0', 131_072], ['', 5120], ['main-abc123', 5120], ['2.8.0', 5120]] as const) {
      d = await startLokiDouble({ version })
      const info = await (await fetch(`${d.url}/loki/api/v1/status/buildinfo`)).json() as { version: string }
      expect(info.version).toBe(version)
      expect((await query({ ...range, query: queryOfBytes(limit - 1) })).status).toBe(200)
      const refused = await query({ ...range, query: queryOfBytes(limit) })
      expect(refused.body).toBe(`parse error : input size too long (${limit} > ${limit})`)
      expect(d.takeParseErrors()).toHaveLength(1)
      await d.close()
      d = undefined
    }
  })

  it('a 40 KB request URL is not a 431: it reaches the size check (and passes when the query is small)', async () => {
    d = await startLokiDouble()
    const range = { start: ns(T - H).toString(), end: ns(T).toString() }
    const big = await query({ ...range, query: queryOfBytes(40_000) })
    expect(big.status).toBe(400)
    expect(big.body).toBe('parse error : input size too long (40000 > 5120)')
    d.takeParseErrors()
    const padded = await query({ ...range, query: '{job="x"}' }, { pad: 40_000 })
    expect(padded.status).toBe(200)
  })

  it('accepts a form-encoded POST like Loki (same answer as GET)', async () => {
    d = await startLokiDouble({ data: { count: 300, startMs: T - H, endMs: T } })
    const params = { query: '{job=~"tovplay/.+"}', start: ns(T - H).toString(), end: ns(T).toString(), limit: 50 }
    const get = await query(params)
    const post = await query(params, { method: 'POST' })
    expect(post.status).toBe(200)
    expect(tsOf(post)).toEqual(tsOf(get))
    expect(tsOf(post)).toHaveLength(50)
  })
})

describe('the query frontend: split by 1 h, queued per tenant, 429 beyond max_outstanding_per_tenant', () => {
  // 100 ms per sub-query (a real 1 h sub-query takes about that), so requests sent together
  // meet at the queue even on a loaded machine.
  const realistic: LokiDoubleOptions = { latencyMs: 100, data: { count: 2000, startMs: T - 6 * H, endMs: T } }
  const sixHours = { query: '{job=~"tovplay/.+"} |= "error"', start: ns(T - 6 * H).toString(), end: ns(T).toString(), limit: 1000 }
  const concurrent = (n: number, tenant?: string) => Promise.all(Array.from({ length: n }, () => query(sixHours, { tenant })))

  it('costs one sub-query per split interval: 6 for an aligned 6 h range, 7 unaligned, 168 for 7 days', async () => {
    d = await startLokiDouble({ data: { count: 100, startMs: T - 7 * D, endMs: T } })
    expect((await query(sixHours)).status).toBe(200)
    expect((await query({ ...sixHours, start: ns(T - 6 * H - 60_000).toString(), end: ns(T - 60_000).toString() })).status).toBe(200)
    // A 7-day log query with few matches reads every interval (the limit is never reached).
    expect((await query({ ...sixHours, query: '{job="none"}', start: ns(T - 7 * D).toString() })).status).toBe(200)
    expect(d.queries().map((r) => r.subQueries)).toEqual([6, 7, 168])
  })

  it('1 or 2 concurrent 6 h requests pass', async () => {
    d = await startLokiDouble(realistic)
    expect((await concurrent(1)).map((a) => a.status)).toEqual([200])
    expect((await concurrent(2)).map((a) => a.status)).toEqual([200, 200])
  })

  it('3 concurrent 6 h requests: every one 429, body "too many outstanding requests", JSON content type, no Retry-After', async () => {
    d = await startLokiDouble(realistic)
    const answers = await concurrent(3)
    expect(answers.map((a) => a.status)).toEqual([429, 429, 429])
    for (const a of answers) {
      expect(a.body).toBe('too many outstanding requests')
      expect(Buffer.byteLength(a.body)).toBe(29)
      expect(a.headers.get('content-type')).toBe('application/json; charset=UTF-8')
      expect(a.headers.get('retry-after')).toBeNull()
    }
  })

  it('4 concurrent 6 h requests: every one 429', async () => {
    d = await startLokiDouble(realistic)
    expect((await concurrent(4)).map((a) => a.status)).toEqual([429, 429, 429, 429])
  })

  it('12 concurrent 6 h requests: at least 11 of 12 are 429', async () => {
    d = await startLokiDouble(realistic)
    const statuses = (await concurrent(12)).map((a) => a.status)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(11)
    expect(statuses.every((s) => s === 429 || s === 200)).toBe(true)
  })

  it('the queue is per tenant (X-Scope-OrgID; "fake" without one)', async () => {
    d = await startLokiDouble(realistic)
    const [a, b] = await Promise.all([concurrent(2, 'team-a'), concurrent(2, 'team-b')])
    expect([...a, ...b].map((x) => x.status)).toEqual([200, 200, 200, 200])
    expect((await concurrent(4, 'team-a')).every((x) => x.status === 429)).toBe(true)
    expect((await query(sixHours, { tenant: 'team-b' })).status).toBe(200)
  })

  it('after a burst, 429s go on for ~3.3 s even for one cheap query, then stop', async () => {
    d = await startLokiDouble(realistic)
    expect((await concurrent(4)).every((a) => a.status === 429)).toBe(true)
    const burstAt = Date.now()
    const cheap = { query: '{job="tovplay/api"}', start: ns(T - 60_000).toString(), end: ns(T).toString(), limit: 10 }
    await sleep(1000)
    const during = await query(cheap)
    expect(during.status).toBe(429)
    expect(during.body).toBe('too many outstanding requests')
    expect(d.queries().at(-1)?.refusedBy).toBe('linger')
    // 429s during the cool-down do not extend it.
    await sleep(Math.max(0, burstAt + 3300 + 200 - Date.now()))
    expect((await query(cheap)).status).toBe(200)
  })

  it('after bad-regex 500s, 429s go on for ~3.3 s even for one cheap query', async () => {
    d = await startLokiDouble(realistic)
    const bad = await query({ ...sixHours, query: '{job="tovplay/api"} |~ "("' })
    expect(bad.status).toBe(500)
    const failedAt = Date.now()
    d.takeParseErrors()
    const cheap = { query: '{job="tovplay/api"}', start: ns(T - 60_000).toString(), end: ns(T).toString(), limit: 10 }
    expect((await query(cheap)).status).toBe(429)
    await sleep(Math.max(0, failedAt + 3300 + 200 - Date.now()))
    expect((await query(cheap)).status).toBe(200)
  })

  it('a lone 7-day request passes: its 168 sub-queries go 4 at a time and never queue', async () => {
    d = await startLokiDouble({ latencyMs: 1, data: { count: 3000, startMs: T - 7 * D, endMs: T } })
    const week = await query({ query: '{job=~"tovplay/.+"}', start: ns(T - 7 * D).toString(), end: ns(T).toString(), limit: 1000, direction: 'forward' })
    expect(week.status).toBe(200)
    expect(d.stats.queueRefused).toBe(0)
  })
})

describe('a limited log query across split intervals is not the newest N (the frontend merge)', () => {
  const A = { app: 'api', job: 'tovplay/api' }
  const B = { app: 'web', job: 'tovplay/web' }
  /**
   * Two streams. Newest hour: 50 api, 20 web. The hour before: its newest 30 lines are 17 api
   * and 13 web, its older 27 are 13 api and 14 web. Some older lines days before.
   * The newest 100 of 7 days are therefore 67 api and 33 web.
   */
  function twoStreams (): { streams: Array<Record<string, string>>, entries: StoredEntry[] } {
    const entries: StoredEntry[] = []
    const put = (fromMs: number, toMs: number, streams: number[]) => {
      const step = (toMs - fromMs) / streams.length
      streams.forEach((s, k) => entries.push({ tsNs: ns(Math.floor(fromMs + k * step)) + 1000n, stream: s, line: `line ${s} ${fromMs + k * step}` }))
    }
    const mix = (a: number, b: number) => {
      const out: number[] = []
      for (let i = 0; i < a + b; i++) out.push(Math.floor((i + 1) * b / (a + b)) > Math.floor(i * b / (a + b)) ? 1 : 0)
      expect(out.filter((s) => s === 1)).toHaveLength(b)
      return out
    }
    put(T - H, T, mix(50, 20))
    put(T - H - 30 * 60_000, T - H, mix(17, 13))
    put(T - 2 * H, T - H - 30 * 60_000, mix(13, 14))
    put(T - 3 * D, T - 3 * D + H, mix(40, 40))
    entries.sort((x, y) => (x.tsNs < y.tsNs ? -1 : 1))
    return { streams: [A, B], entries }
  }
  const week = { query: '{job=~"tovplay/.+"}', start: ns(T - 7 * D).toString(), end: ns(T).toString(), limit: 100, direction: 'backward' }

  it('7 d backward, limit 100: 53/47 lines of two streams where the newest 100 are 67/33', async () => {
    d = await startLokiDouble({ data: twoStreams() })
    const res = await query(week)
    expect(res.status).toBe(200)
    expect(perApp(res)).toEqual({ api: 53, web: 47 })
    // The truth, from one query that stays inside one split (Loki would answer it exactly).
    const newest = d.trueCount(week.query, ns(T - H - 30 * 60_000), ns(T))
    expect(newest).toBe(100)
    const exact = await query({ ...week, start: ns(T - H).toString(), limit: 70 })
    expect(perApp(exact)).toEqual({ api: 50, web: 20 })
  })

  it('a query inside one aligned split interval is exact', async () => {
    d = await startLokiDouble({ data: twoStreams() })
    const res = await query({ ...week, start: ns(T - H).toString(), limit: 30 })
    const got = tsOf(res).sort((a, b) => (a < b ? 1 : -1))
    const all = twoStreams().entries.filter((e) => e.tsNs >= ns(T - H) && e.tsNs < ns(T)).map((e) => e.tsNs).sort((a, b) => (a < b ? 1 : -1))
    expect(got).toEqual(all.slice(0, 30))
  })

  it('a pager that continues backward from the oldest line of such an answer skips lines', async () => {
    d = await startLokiDouble({ data: twoStreams() })
    const pages: bigint[][] = []
    let end = BigInt(week.end)
    for (let page = 0; page < 10; page++) {
      const ts = tsOf(await query({ ...week, end: end.toString() }))
      if (ts.length === 0) break
      pages.push(ts)
      end = ts.reduce((m, t) => (t < m ? t : m))
    }
    const seen = new Set(pages.flat())
    expect(seen.size).toBe(pages.flat().length)
    // Lines newer than the first page's oldest line that the first page left out: no later
    // page (which ends there) can return them. They are api lines of the second hour.
    const first = new Set(pages[0])
    const oldest = (pages[0] as bigint[]).reduce((m, t) => (t < m ? t : m))
    const skipped = twoStreams().entries.filter((e) => e.tsNs > oldest && !first.has(e.tsNs))
    expect(skipped.length).toBeGreaterThan(20)
    expect(skipped.every((e) => e.stream === 0 && e.tsNs >= ns(T - 2 * H) && e.tsNs < ns(T - H))).toBe(true)
    const lost = twoStreams().entries.filter((e) => !seen.has(e.tsNs))
    expect(lost).toEqual(skipped)
  })

  it('streams come back sorted by their label sets (ascending from one split; reversed by the backward merge)', async () => {
    d = await startLokiDouble({ data: twoStreams() })
    const one = await query({ ...week, start: ns(T - H).toString(), limit: 1000 })
    expect(one.json().data.result.map((s: { stream: { app: string } }) => s.stream.app)).toEqual(['api', 'web'])
    const merged = await query(week)
    expect(merged.json().data.result.map((s: { stream: { app: string } }) => s.stream.app)).toEqual(['web', 'api'])
  })
})

describe('time bounds, limits and lengths', () => {
  const at = (ms: number, line: string): StoredEntry => ({ tsNs: ns(ms), stream: 0, line })
  const data = { streams: [{ job: 'tovplay/api', app: 'api' }], entries: [at(T - 1000, 'start'), at(T - 500, 'middle'), at(T, 'end')] }
  const q = '{job="tovplay/api"}'

  it('nanosecond bounds: start inclusive, end exclusive; start == end → 200 empty; end < start → 400', async () => {
    d = await startLokiDouble({ data })
    const lines = (a: Answer) => (a.json().data.result as Array<{ values: string[][] }>).flatMap((s) => s.values.map((v) => v[1]))
    expect(lines(await query({ query: q, start: ns(T - 1000).toString(), end: ns(T).toString() })).sort()).toEqual(['middle', 'start'])
    const same = await query({ query: q, start: ns(T).toString(), end: ns(T).toString() })
    expect(same.status).toBe(200)
    expect(same.json().data.result).toEqual([])
    const back = await query({ query: q, start: ns(T).toString(), end: ns(T - 1).toString() })
    expect(back.status).toBe(400)
    expect(back.body).toBe('end timestamp must not be before or equal to start time')
  })

  it('float seconds are rounded to milliseconds', async () => {
    d = await startLokiDouble({ data: { streams: data.streams, entries: [{ tsNs: ns(T - 1000) + 300_000n, stream: 0, line: 'sub-ms' }] } })
    const s = (T - 1000) / 1000
    // 0.0004 s rounds down to the whole millisecond, so the line at +0.3 ms is inside.
    const res = await query({ query: q, start: `${s}.0004`, end: String(T / 1000) })
    expect(tsOf(res)).toEqual([ns(T - 1000) + 300_000n])
    const later = await query({ query: q, start: `${s}.0006`, end: String(T / 1000) })
    expect(tsOf(later)).toEqual([])
  })

  it('over max_query_length (721h): 400 naming both durations', async () => {
    d = await startLokiDouble({ data })
    const ok = await query({ query: q, start: ns(T - 721 * H).toString(), end: ns(T).toString() })
    expect(ok.status).toBe(200)
    const over = await query({ query: q, start: (ns(T - 721 * H) - 1n).toString(), end: ns(T).toString() })
    expect(over.status).toBe(400)
    expect(over.body).toBe('the query time range exceeds the limit (query length: 721h0m0.000000001s, limit: 721h0m0s)')
    const overMs = await query({ query: q, start: ns(T - 721 * H - 1).toString(), end: ns(T).toString() })
    expect(overMs.body).toBe('the query time range exceeds the limit (query length: 721h0m0.001s, limit: 721h0m0s)')
  })

  it('limit: 1001 > 1000 → 400; empty → 100; "abc" → 400 strconv.Atoi; metric queries ignore it', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: T - H, endMs: T } })
    const range = { query: '{job=~"tovplay/.+"}', start: ns(T - H).toString(), end: ns(T).toString() }
    const over = await query({ ...range, limit: 1001 })
    expect(over.status).toBe(400)
    expect(over.body).toBe('max entries limit per query exceeded, limit > max_entries_limit (1001 > 1000)')
    expect(tsOf(await query({ ...range, limit: 1000 }))).toHaveLength(1000)
    expect(tsOf(await query({ ...range, limit: '' }))).toHaveLength(100)
    const abc = await query({ ...range, limit: 'abc' })
    expect(abc.status).toBe(400)
    expect(abc.body).toBe('strconv.Atoi: parsing "abc": invalid syntax')
    const metric = await query({ ...range, query: 'sum(count_over_time({job=~"tovplay/.+"}[1h]))', step: '3600', limit: 5000 })
    expect(metric.status).toBe(200)
    expect(metric.json().data.result[0].values.at(-1)[1]).toBe('3000')
  })

  it('count_over_time(…[R]) at point t counts (t − R, t]', async () => {
    // Lines exactly at t − 5m (out), just after it (in), and exactly at t (in).
    const entries = [at(T - 300_000, 'edge-out'), { tsNs: ns(T - 300_000) + 1n, stream: 0, line: 'in-1' }, at(T, 'edge-in')]
    d = await startLokiDouble({ data: { streams: data.streams, entries } })
    const res = await query({ query: `count_over_time(${q}[5m])`, start: ns(T).toString(), end: ns(T).toString(), step: '300' })
    expect(res.json().data.result[0].values).toEqual([[T / 1000, '2']])
  })

  it('a metric query with an unaligned start has its points at multiples of the step', async () => {
    d = await startLokiDouble({ data: { count: 600, startMs: T - H, endMs: T } })
    const res = await query({ query: 'sum(count_over_time({job=~"tovplay/.+"}[5m]))', start: ns(T - H + 17_000).toString(), end: ns(T).toString(), step: '300' })
    const points = res.json().data.result[0].values as Array<[number, string]>
    expect(points.length).toBeGreaterThan(5)
    for (const [t] of points) expect(t % 300).toBe(0)
    expect(points.reduce((n, [, v]) => n + Number(v), 0)).toBe(600)
  })
})

describe('regular expressions as Go compiles them', () => {
  const range = { start: ns(T - H).toString(), end: ns(T).toString() }
  const regexAnswer = async (re: string, opts: LokiDoubleOptions = {}) => {
    d = await startLokiDouble({ lingerMs: 0, ...opts })
    const a = await query({ ...range, query: `{job="x"} |~ \`${re}\`` })
    d.takeParseErrors()
    await d.close()
    d = undefined
    return a
  }

  it('a bad line-filter regex is a 500 with the querier\'s words', async () => {
    const a = await regexAnswer('(')
    expect(a.status).toBe(500)
    expect(a.body).toBe('rpc error: code = Unknown desc = parse error : stage \'|~ "("\' : error parsing regexp: missing closing ): `(`')
  })

  it('\\C (which RE2 accepts) → 500 invalid escape sequence', async () => {
    const a = await regexAnswer('a\\C')
    expect(a.status).toBe(500)
    expect(a.body).toBe('rpc error: code = Unknown desc = parse error : stage \'|~ "a\\\\C"\' : error parsing regexp: invalid escape sequence: `\\C`')
    // Inside \Q…\E it is literal text, for Go as for RE2.
    expect((await regexAnswer('\\Qa\\C\\E')).status).toBe(200)
  })

  it('(?<name>…) → 500 "invalid or unsupported Perl syntax: (?<" on a Loki built with Go < 1.22 (2.8.0, 3.0.0), accepted by 2.9.10', async () => {
    for (const version of ['2.8.0', '3.0.0']) {
      const a = await regexAnswer('(?<n>err)', { version })
      expect(a.status).toBe(500)
      expect(a.body).toContain('error parsing regexp: invalid or unsupported Perl syntax: `(?<`')
    }
    expect((await regexAnswer('(?<n>err)', { version: '2.9.10' })).status).toBe(200)
    expect((await regexAnswer('(?P<n>err)', { version: '2.8.0' })).status).toBe(200)
  })

  it('what RE2 (node re2) accepts and Go refuses: \\u, \\c escapes, capturing groups nested 1,000 deep', async () => {
    expect((await regexAnswer('\\u0041')).body).toContain('error parsing regexp: invalid escape sequence: `\\u`')
    expect((await regexAnswer('[\\cA]')).body).toContain('error parsing regexp: invalid escape sequence: `\\c`')
    const deep = (n: number) => '('.repeat(n) + 'a' + ')'.repeat(n)
    const tooDeep = await regexAnswer(deep(1000))
    expect(tooDeep.status).toBe(500)
    expect(tooDeep.body).toContain('error parsing regexp: expression nests too deeply: `((((')
    expect((await regexAnswer(deep(999))).status).toBe(200)
  })

  it('(?i) works in line filters, including (?i).*x.*', async () => {
    d = await startLokiDouble({ data: { count: 2000, startMs: T - H, endMs: T } })
    const range = { start: ns(T - H).toString(), end: ns(T).toString(), limit: 1000 }
    const lines = (a: Answer) => (a.json().data.result as Array<{ values: string[][] }>).flatMap((s) => s.values.map((v) => v[1] as string))
    const all = lines(await query({ ...range, query: '{job=~"tovplay/.+"}', direction: 'forward', end: ns(T - H + 20 * 60_000).toString() }))
    const expected = all.filter((l) => /error/i.test(l)).length
    expect(expected).toBeGreaterThan(10)
    for (const re of ['(?i)error', '(?i).*ErRoR.*']) {
      const got = lines(await query({ ...range, query: `{job=~"tovplay/.+"} |~ \`${re}\``, end: ns(T - H + 20 * 60_000).toString() }))
      expect(got).toHaveLength(expected)
    }
  })

  it('other refusals are worded as Go words them', async () => {
    expect((await regexAnswer('a{1001}')).body).toContain('error parsing regexp: invalid repeat count: `{1001}`')
    expect((await regexAnswer('a++')).body).toContain('error parsing regexp: invalid nested repetition operator: `++`')
    expect((await regexAnswer('\\Z')).body).toContain('error parsing regexp: invalid escape sequence: `\\Z`')
  })
})

describe('readiness and buildinfo', () => {
  it('/ready answers "ready\\n", 503 for readyAfterMs after start; buildinfo answers the version', async () => {
    d = await startLokiDouble({ readyAfterMs: 300 })
    expect((await fetch(`${d.url}/ready`)).status).toBe(503)
    await sleep(350)
    const ready = await fetch(`${d.url}/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.text()).toBe('ready\n')
    const info = await (await fetch(`${d.url}/loki/api/v1/status/buildinfo`)).json() as { version: string, goVersion: string }
    expect(info).toMatchObject({ version: '2.9.10', goVersion: 'go1.22.5' })
  })

  it('/config answers the limits as Loki prints its running configuration (and 404 when not exposed)', async () => {
    d = await startLokiDouble()
    const res = await fetch(`${d.url}/config`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    const yaml = await res.text()
    expect(yaml).toContain('frontend:\n  max_outstanding_per_tenant: 6\n')
    expect(yaml).toContain('  max_entries_limit_per_query: 1000\n')
    expect(yaml).toContain('  max_query_length: 30d1h\n')
    expect(yaml).toContain('  max_query_parallelism: 4\n')
    expect(yaml).toContain('  split_queries_by_interval: 1h\n')
    d.setOptions({ splitIntervalMs: 30 * 60_000, exposeConfig: false })
    expect((await fetch(`${d.url}/config`)).status).toBe(404)
    d.setOptions({ exposeConfig: true })
    expect(await (await fetch(`${d.url}/config`)).text()).toContain('  split_queries_by_interval: 30m\n')
  })
})
