import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lineHash } from '../../../src/logs/line-hash.js'
import { auth, buildTestApp, type TestApp } from '../../helpers/app.js'

// The lines around a sample, from local log files (the embedded default), and the route's input checks.
let t: TestApp
const NOW = Date.now()
const T0 = NOW - 1_800_000
const json = (o: Record<string, unknown>) => JSON.stringify({ pid: 1, hostname: 'api', ...o })
const lines: string[] = []
for (let i = 0; i < 30; i++) lines.push(json({ level: 30, time: T0 + i * 1000, reqId: `req-${i}`, msg: `handled ${i}` }))
// A traceback in text, its frames without a time of their own, then a JSON error carrying a password.
lines.push(`${new Date(T0 + 30_000).toISOString()} ERROR in app: Exception on /api/sessions [POST] request_id=abc-123`)
lines.push('Traceback (most recent call last):')
lines.push('  File "/app/views.py", line 10, in create')
lines.push("KeyError: 'player_7'")
lines.push(json({ level: 50, time: T0 + 31_000, requestId: 'req-err', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at save (/app/save.js:3:9)' }, msg: 'save failed password=hunter2' }))
for (let i = 0; i < 3; i++) lines.push(json({ level: 30, time: T0 + 32_000 + i * 1000, msg: `after ${i}` }))

beforeAll(async () => {
  t = await buildTestApp({}, { parts: { database: false, alerts: false, scheduling: false, web: false } })
  const dir = path.join(t.config.dataDir, 'logs')
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'tovplay.log'), lines.join('\n') + '\n')
  fs.writeFileSync(path.join(dir, 'other.log'), json({ level: 50, time: T0 + 30_000, msg: 'other file' }) + '\n')
}, 60_000)
afterAll(async () => { await t?.close() })

const FILE = JSON.stringify({ source: 'file', file: 'tovplay.log' })
const context = (q: Record<string, string>, headers = auth()) =>
  t.app.inject({ method: 'GET', url: `/logs/api/errors/context?${new URLSearchParams(q).toString()}`, headers })
const tsOf = (ms: number, seq = 0) => String(BigInt(ms) * 1_000_000n + BigInt(seq))

describe('GET /logs/api/errors/context from files', () => {
  it('finds a feed sample\'s lines: N before and after in its file, the sample marked, JSON parsed, secrets out', async () => {
    const feed = (await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h&q=save failed', headers: auth() })).json()
    const s = feed.groups[0].samples[0]
    expect(s.tsNs).toBe(tsOf(T0 + 31_000))
    expect(s.lineHash).toBe(lineHash(lines[34] as string))
    expect(feed.groups[0].exploreUrl).toBeUndefined()
    const res = await context({ labels: JSON.stringify(s.labels), tsNs: s.tsNs, lineHash: s.lineHash, before: '5', after: '2' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ source: 'files', match: 'exact', sampleIndex: 5, moreBefore: true, moreAfter: true, stream: { source: 'file', file: 'tovplay.log' } })
    // No GRAFANA_URL: no link.
    expect(body.exploreUrl).toBeUndefined()
    expect(body.lines.map((l: { line: string }) => l.line.slice(0, 60))).toEqual([...lines.slice(29, 37)].map((l) => l.replace('hunter2', '***').slice(0, 60)))
    const sample = body.lines[5]
    expect(sample.sample).toBe(true)
    expect(sample.line).not.toContain('hunter2')
    expect(sample.fields).toEqual({ level: 'error', msg: 'save failed password=***', err: 'Error: boom\n    at save (/app/save.js:3:9)', reqId: 'req-err', time: new Date(T0 + 31_000).toISOString() })
    expect(sample.auditUrl).toBe('/logs/api/scheduling/audit?requestId=req-err')
    // Text lines: no fields; a request id in the text still links.
    expect(body.lines[1]).toMatchObject({ requestId: 'abc-123' })
    expect(body.lines[1].fields).toBeUndefined()
    expect(body.lines[2]).not.toHaveProperty('requestId')
    expect(body.lines.filter((l: { sample?: boolean }) => l.sample === true)).toHaveLength(1)
  })

  it('finds a traceback frame by its derived time (first line\'s time plus its place)', async () => {
    const res = await context({ labels: FILE, tsNs: tsOf(T0 + 30_000, 3), lineHash: lineHash("KeyError: 'player_7'"), before: '3', after: '0' })
    const body = res.json()
    expect(body.lines.map((l: { line: string }) => l.line)).toEqual(lines.slice(30, 34))
    expect(body).toMatchObject({ sampleIndex: 3, moreBefore: true, moreAfter: false })
  })

  it('gives fewer lines at the start and end of the file', async () => {
    const first = await context({ labels: FILE, tsNs: tsOf(T0), lineHash: lineHash(lines[0] as string), before: '10', after: '1' })
    expect(first.json()).toMatchObject({ sampleIndex: 0, moreBefore: false, moreAfter: true })
    expect(first.json().lines).toHaveLength(2)
    const last = await context({ labels: FILE, tsNs: tsOf(T0 + 34_000), lineHash: lineHash(lines[37] as string), before: '1', after: '10' })
    expect(last.json()).toMatchObject({ sampleIndex: 1, moreBefore: true, moreAfter: false })
    expect(last.json().lines).toHaveLength(2)
  })

  it('answers 404 naming what is missing: an unknown file, a time with no line', async () => {
    const file = await context({ labels: JSON.stringify({ source: 'file', file: '../../etc/passwd' }), tsNs: tsOf(T0) })
    expect(file.statusCode).toBe(404)
    expect(file.json()).toMatchObject({ field: 'labels', message: 'no log file named "../../etc/passwd" among LOG_FILES' })
    const gone = await context({ labels: FILE, tsNs: tsOf(T0 + 500) })
    expect(gone.statusCode).toBe(404)
    expect(gone.json().message).toMatch(/the sample is no longer there/)
  })

  it('refuses bad input with a 400 naming the field', async () => {
    const ok = { labels: FILE, tsNs: tsOf(T0) }
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ tsNs: tsOf(T0) }, 'labels', /labels is required/],
      [{ ...ok, labels: '[1]' }, 'labels', /JSON object/],
      [{ ...ok, labels: '{"9bad":"x"}' }, 'labels', /not a label name/],
      [{ ...ok, labels: '{"a":1}' }, 'labels', /must be a string/],
      [{ ...ok, tsNs: '' }, 'tsNs', /nanoseconds/],
      [{ ...ok, tsNs: '12.5' }, 'tsNs', /nanoseconds/],
      [{ ...ok, lineHash: 'xyz' }, 'lineHash', /16 hex digits/],
      [{ ...ok, before: '201' }, 'before', /at most 200/],
      [{ ...ok, after: '-1' }, 'after', /whole number/],
    ]
    for (const [q, field, message] of cases) {
      const res = await context(q)
      expect(res.statusCode, JSON.stringify(q)).toBe(400)
      expect(res.json().field).toBe(field)
      expect(res.json().message).toMatch(message)
    }
  })

  it('needs a login', async () => {
    expect((await context({ labels: FILE, tsNs: tsOf(T0) }, {} as ReturnType<typeof auth>)).statusCode).toBe(401)
  })
})
