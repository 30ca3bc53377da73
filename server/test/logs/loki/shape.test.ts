import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startLokiFaultServer, type LokiFault } from '../../../../bench/chaos/loki-fault-server.js'
import { LokiHttpError } from '../../../src/logs/loki/client.js'
import { checkEnvelope, parseMatrix, parseStreams } from '../../../src/logs/loki/requester.js'
import { auth, buildTestApp, type TestApp } from '../../helpers/app.js'

const JS_MESSAGE = /is not iterable|is not a function|Cannot read propert|undefined|null \(reading|\n\s+at /

function refusal (fn: () => unknown): LokiHttpError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(LokiHttpError)
    return err as LokiHttpError
  }
  throw new Error('expected a refusal')
}

const ok = (resultType: string, result: unknown) => ({ status: 'success', data: { resultType, result } })

describe('answers of the wrong shape are refused with what was expected', () => {
  const streamsCases: Array<[string, unknown]> = [
    ['result an object', ok('streams', {})],
    ['data missing', { status: 'success' }],
    ['status error', { status: 'error', data: { resultType: 'streams', result: [] } }],
    ['a bare array', []],
    ['null', null],
    ['a number', 42],
    ['resultType vector', ok('vector', [])],
    ['a stream that is null', ok('streams', [null])],
    ['values an object', ok('streams', [{ stream: {}, values: { for: 1 } }])],
    ['an entry not a pair', ok('streams', [{ stream: {}, values: ['x'] }])],
    ['a timestamp not nanoseconds', ok('streams', [{ stream: {}, values: [['soon', 'line']] }])],
    ['labels a string', ok('streams', [{ stream: 'job=x', values: [] }])],
  ]
  for (const [name, body] of streamsCases) {
    it(`streams: ${name}`, () => {
      const err = refusal(() => parseStreams(body))
      expect(err.kind).toBe('bad_answer')
      expect(err.message).toMatch(/^Loki's answer was not understood: expected .+, got .+/)
      expect(err.message).not.toMatch(JS_MESSAGE)
    })
  }

  const matrixCases: Array<[string, unknown]> = [
    ['result an object', ok('matrix', {})],
    ['resultType streams', ok('streams', [])],
    ['values a string', ok('matrix', [{ metric: {}, values: 'abc' }])],
    ['a sample not a number', ok('matrix', [{ metric: {}, values: [[1, 'many']] }])],
    ['a series that is a number', ok('matrix', [3])],
  ]
  for (const [name, body] of matrixCases) {
    it(`matrix: ${name}`, () => {
      const err = refusal(() => parseMatrix(body))
      expect(err.kind).toBe('bad_answer')
      expect(err.message).toMatch(/^Loki's answer was not understood: expected .+, got .+/)
      expect(err.message).not.toMatch(JS_MESSAGE)
    })
  }

  it('right shapes still parse', () => {
    expect(parseStreams(ok('streams', [{ stream: { job: 'a' }, values: [['1700000000000000000', 'boom']] }]))).toEqual([{ tsNs: 1700000000000000000n, labels: { job: 'a' }, line: 'boom' }])
    expect([...parseMatrix(ok('matrix', [{ metric: {}, values: [[1700000000, '2'], [1700000060, '3']] }, { values: [[1700000000, '1']] }]))]).toEqual([[1700000000000, 3], [1700000060000, 3]])
    expect(() => checkEnvelope(ok('matrix', []))).not.toThrow()
    expect(refusal(() => checkEnvelope(ok('streams', { unexpected: true }))).kind).toBe('bad_answer')
  })
})

describe('GET /logs/api/errors against a Loki answering garbage or the wrong shape', () => {
  let loki: Awaited<ReturnType<typeof startLokiFaultServer>>
  let t: TestApp
  beforeAll(async () => {
    loki = await startLokiFaultServer()
    t = await buildTestApp({ LOKI_URL: loki.url, LOKI_DEADLINE_MS: '5000' }, { parts: { database: false, alerts: false, scheduling: false, web: false } })
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h&q=warmup', headers: auth() })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json().dependencies.logs.status).toBe('up')
  }, 120_000)
  afterEach(() => loki.set('healthy'))
  afterAll(async () => {
    await t?.close()
    await loki?.close()
  })

  const cases: Array<[LokiFault, RegExp]> = [
    ['wrong-shape', /^Loki's answer was not understood: expected \{"status":"success","data":\{"resultType":"streams","result":\[…\]\}\}, got result as an object$/],
    ['garbage', /^Loki's answer was not understood: expected JSON \(\/loki\/api\/v1\/query_range\), got \d+ bytes starting ".*not json/],
  ]
  for (const [fault, message] of cases) {
    it(`${fault}: 502 saying Loki's answer was not understood, no retry storm, health not up`, async () => {
      loki.set(fault)
      const res = await Promise.all(Array.from({ length: 5 }, async (_, i) => await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&q=${fault}${i}`, headers: auth() })))
      for (const r of res) {
        expect(r.statusCode).toBe(502)
        expect(r.json().message).toMatch(message)
        expect(r.json().message).not.toMatch(JS_MESSAGE)
      }
      // Not retried: a Loki that answers nonsense is not asked again and again (before, garbage cost 139 requests for 5 users).
      expect(loki.requests()).toBeLessThanOrEqual(20)
      loki.set('healthy')
      const health = (await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json().dependencies.logs
      expect(health.status).not.toBe('up')
      expect(health.message).toMatch(/failed .*Loki's answer was not understood/)
      // A successful query puts health back.
      expect((await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&q=after${fault}`, headers: auth() })).statusCode).toBe(200)
      expect((await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json().dependencies.logs.status).toBe('up')
    })
  }
})
