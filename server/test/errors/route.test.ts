import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LogQueryError } from '../../src/logs/source.js'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'

let t: TestApp
const NOW = Date.now()
const line = (o: Record<string, unknown>) => JSON.stringify({ pid: 1, hostname: 'api', ...o })

beforeAll(async () => {
  // Embedded defaults: the file source reads <data dir>/logs/*.log.
  t = await buildTestApp()
  const dir = path.join(t.config.dataDir, 'logs')
  fs.mkdirSync(dir, { recursive: true })
  const lines: string[] = []
  for (let i = 0; i < 5; i++) {
    lines.push(line({ level: 50, time: NOW - 600_000 + i * 1000, reqId: `req-${i}`, err: { type: 'Error', message: `player ${1000 + i} not saved: connect ECONNREFUSED 10.0.0.${i}:5432` }, msg: 'session save failed' }))
  }
  lines.push(line({ level: 50, time: NOW - 300_000, msg: 'login failed for anna.k@example.com password=hunter2 token=abcdef123456' }))
  lines.push(line({ level: 60, time: NOW - 200_000, msg: 'database "TovPlay" does not exist' }))
  lines.push(line({ level: 40, time: NOW - 100_000, msg: 'slow probe' }))
  for (let i = 0; i < 20; i++) lines.push(line({ level: 30, time: NOW - 50_000 + i, res: { statusCode: 200 }, msg: 'request completed' }))
  lines.push(`${new Date(NOW - 40_000).toISOString()} reminder job failed for 2 sessions`)
  lines.push(line({ level: 50, time: NOW - 7200_000, msg: 'too old for 1h' }))
  fs.writeFileSync(path.join(dir, 'tovplay.log'), lines.join('\n') + '\n')
}, 60_000)
afterAll(async () => { await t?.close() })

const get = (query: string, headers: Record<string, string> = auth()) =>
  t.app.inject({ method: 'GET', url: `/logs/api/errors${query}`, headers })

describe('GET /logs/api/errors from local files', () => {
  it('requires a token', async () => {
    const res = await get('', {})
    expect(res.statusCode).toBe(401)
  })

  it('groups errors of the last hour, drops noise, keeps HIGH and above by default', async () => {
    const res = await get('')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ source: 'files', complete: true, incompleteReasons: [], failedChunks: [] })
    expect(Date.parse(body.measuredAt)).toBeGreaterThanOrEqual(NOW - 60_000)
    expect(Date.parse(body.range.end) - Date.parse(body.range.start)).toBe(3600_000)
    expect(body.groups.map((g: { severity: string }) => g.severity)).toEqual(['critical', 'high', 'high'])
    const [critical, saveFailed, login] = body.groups
    expect(critical.template).toBe('database "<str>" does not exist')
    // Five lines differing only by ids, numbers and IPs are one group.
    expect(saveFailed).toMatchObject({ count: 5, labels: { file: 'tovplay.log', level: 'error' } })
    expect(saveFailed.template).toBe('session save failed | Error: player <n> not saved: connect ECONNREFUSED <ip>')
    expect(saveFailed.firstSeen).toBe(new Date(NOW - 600_000).toISOString())
    expect(saveFailed.lastSeen).toBe(new Date(NOW - 596_000).toISOString())
    expect(saveFailed.samples).toHaveLength(3)
    expect(saveFailed.samples[0].ts).toBe(saveFailed.lastSeen)
    expect(saveFailed.sparkline).toHaveLength(24)
    expect(saveFailed.sparkline.reduce((a: number, b: number) => a + b, 0)).toBe(5)
    expect(saveFailed.fingerprint).toMatch(/^[0-9a-f]{16}$/)
    // Secrets and players' e-mail addresses never reach the answer.
    const sample = login.samples[0].line
    expect(sample).not.toContain('hunter2')
    expect(sample).not.toContain('abcdef123456')
    expect(sample).not.toContain('anna.k@example.com')
    expect(sample).toContain('<email>')
    expect(login.template).not.toContain('example.com')
  })

  it('returns exact series and totals for every severity, noise excluded', async () => {
    const body = (await get('?range=1h')).json()
    expect(body.totals).toEqual({ critical: 1, high: 6, medium: 1, low: 1 })
    expect(body.series.stepSeconds).toBe(60)
    expect(body.series.timestamps.length).toBeGreaterThanOrEqual(60)
    for (const sev of ['critical', 'high', 'medium', 'low']) {
      expect(body.series[sev]).toHaveLength(body.series.timestamps.length)
      expect(body.series[sev].reduce((a: number, b: number) => a + b, 0)).toBe(body.totals[sev])
    }
  })

  it('includes lower severities when asked, and honours limit and q', async () => {
    const low = (await get('?minSeverity=low')).json()
    expect(low.groups.map((g: { severity: string }) => g.severity)).toEqual(['critical', 'high', 'high', 'medium', 'low'])
    expect((await get('?minSeverity=critical')).json().groups).toHaveLength(1)
    expect((await get('?limit=1')).json().groups).toHaveLength(1)
    const searched = (await get(`?q=${encodeURIComponent('ECONNREFUSED')}`)).json()
    expect(searched.groups).toHaveLength(1)
    expect(searched.totals.high).toBe(5)
    const regex = (await get(`?q=${encodeURIComponent('/does not exi[s]t/')}`)).json()
    expect(regex.groups.map((g: { severity: string }) => g.severity)).toEqual(['critical'])
  })

  it('accepts start and end as ISO or epoch ms', async () => {
    const iso = await get(`?start=${new Date(NOW - 700_000).toISOString()}&end=${new Date(NOW - 250_000).toISOString()}`)
    expect(iso.statusCode).toBe(200)
    expect(iso.json().groups.map((g: { count: number }) => g.count)).toEqual([5, 1])
    const ms = await get(`?start=${NOW - 8000_000}&end=${NOW - 7000_000}`)
    expect(ms.json().groups[0].template).toBe('too old for <duration>')
  })

  it('counts classified lines in the metrics and answers errorStats', async () => {
    await get('')
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/tovwatch_log_lines_classified_total\{severity="high"\} [1-9]/)
    expect(metrics).toMatch(/tovwatch_log_lines_classified_total\{severity="critical"\} [1-9]/)
    expect(metrics).toContain('tovwatch_errors_recent')
    const stats = await t.app.errorStats.countsSince(NOW - 3600_000, NOW + 1)
    expect(stats).toEqual({ counts: { critical: 1, high: 6, medium: 1, low: 1 }, complete: true })
  })
})

describe('GET /logs/api/errors bad input', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['?range=abc', 'range', /range must be a duration such as 15m, 6h or 7d \(got "abc"\)/],
    ['?range=30s', 'range', /range must be a duration/],
    ['?range=0m', 'range', /shorter than the minimum of 1m/],
    ['?range=8d', 'range', /longer than the maximum of 7 days/],
    ['?start=now-1h&end=now-2h', 'start', /must be before end/],
    [`?start=${encodeURIComponent('now-2x')}&end=now`, 'start', /not a time: write now, now-2h/],
    [`?start=${NOW - 1000}&end=${NOW - 2000}`, 'start', /must be before end/],
    [`?start=${NOW - 8 * 86_400_000}&end=${NOW}`, 'start', /the range is 8\.0 days; the maximum is 7 days/],
    [`?start=${NOW - 1000}`, 'end', /end is missing/],
    ['?start=yesterday&end=today', 'start', /start: "yesterday" is not a time: .*an ISO 8601 time/],
    [`?start=${NOW - 1000}&end=${NOW + 3 * 86_400_000}`, 'end', /more than a day in the future/],
    ['?range=1h&start=1&end=2', 'range', /either range or start and end/],
    [`?q=${encodeURIComponent('/(unclosed/')}`, 'q', /invalid regex \/\(unclosed\/: missing \)/],
    [`?q=${encodeURIComponent('/a(?=b)/')}`, 'q', /RE2 does not support lookahead/],
    [`?q=${'a'.repeat(1001)}`, 'q', /1001 characters long; the limit is 1000/],
    [`?q=${encodeURIComponent('x\n|= "y"')}`, 'q', /control character/],
    ['?minSeverity=urgent', 'minSeverity', /minSeverity must be one of critical, high, medium, low/],
    ['?limit=0', 'limit', /limit must be a whole number from 1 to 1000/],
    ['?limit=5000', 'limit', /from 1 to 1000/],
    ['?limit=ten', 'limit', /from 1 to 1000/],
  ]
  it.each(cases.map(([q, f, m]) => [q.length > 80 ? q.slice(0, 60) + '…' : q, f, m, q] as const))('%s -> 400 on %s', async (_title, field, message, query) => {
    const res = await get(query)
    expect(res.statusCode).toBe(400)
    const body = res.json()
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', field })
    expect(body.message).toMatch(message)
  })

  it('accepts a catastrophic-backtracking pattern and answers quickly (RE2 is linear)', async () => {
    const res = await get(`?q=${encodeURIComponent('/(a+)+$/')}`)
    expect(res.statusCode).toBe(200)
    expect(res.json().groups).toEqual([])
  })
})

describe('GET /logs/api/errors when the log source fails', () => {
  it('passes a LogQueryError on with its status and a sanitized message', async () => {
    const src = t.deps.logSource
    const original = src.query
    src.query = async () => { throw new LogQueryError('Loki refused the query: parse error (password=s3cret-value)', 502) }
    try {
      const res = await get('')
      expect(res.statusCode).toBe(502)
      expect(res.json().message).toContain('Loki refused the query')
      expect(res.json().message).not.toContain('s3cret-value')
      src.query = async () => { throw new LogQueryError('Loki did not answer within 60000 ms', 504) }
      expect((await get('')).statusCode).toBe(504)
    } finally {
      src.query = original
    }
  })

  it('answers 502 "log source failed" for any other failure, hiding its details', async () => {
    const src = t.deps.logSource
    const original = src.query
    src.query = async () => { throw new Error('ECONNRESET at internal-host:3100 with secret details') }
    try {
      const res = await get('')
      expect(res.statusCode).toBe(502)
      expect(res.json().message).toBe('log source failed')
    } finally {
      src.query = original
    }
  })
})
