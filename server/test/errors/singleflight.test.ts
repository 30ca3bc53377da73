import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLokiFaultServer } from '../../../bench/chaos/loki-fault-server.js'
import { feedKey } from '../../src/errors/feed-key.js'
import { parseErrorsQuery } from '../../src/errors/input.js'
import { createSingleFlight, WaiterLeft } from '../../src/errors/singleflight.js'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'

function deferred<T> () {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

describe('single flight', () => {
  it('concurrent calls with one key share one computation; the next call computes afresh', async () => {
    let runs = 0
    let shared = 0
    const flights = createSingleFlight<number>(() => shared++)
    const gate = deferred<number>()
    const work = async () => { runs++; return await gate.promise }
    const all = Promise.all([flights.run('k', undefined, work), flights.run('k', undefined, work), flights.run('k', undefined, work)])
    const other = flights.run('other', undefined, async () => { runs++; return 7 })
    gate.resolve(42)
    expect(await all).toEqual([42, 42, 42])
    expect(await other).toBe(7)
    expect(runs).toBe(2)
    expect(shared).toBe(2)
    expect(flights.size).toBe(0)
    expect(await flights.run('k', undefined, async () => { runs++; return 1 })).toBe(1)
    expect(runs).toBe(3)
  })

  it('a waiter that leaves stops waiting at once but does not abort the work of the others', async () => {
    const flights = createSingleFlight<string>()
    const gate = deferred<string>()
    let workSignal: AbortSignal | undefined
    const work = async (s: AbortSignal) => { workSignal = s; return await gate.promise }
    const leaving = new AbortController()
    const a = flights.run('k', leaving.signal, work)
    const b = flights.run('k', undefined, work)
    leaving.abort()
    await expect(a).rejects.toBeInstanceOf(WaiterLeft)
    expect(workSignal?.aborted).toBe(false)
    gate.resolve('done')
    expect(await b).toBe('done')
  })

  it('the work is aborted when every waiter has left, and a failure reaches every waiter', async () => {
    const flights = createSingleFlight<string>()
    let workSignal: AbortSignal | undefined
    const work = async (s: AbortSignal) => { workSignal = s; return await new Promise<string>(() => {}) }
    const c1 = new AbortController()
    const c2 = new AbortController()
    const a = flights.run('k', c1.signal, work)
    const b = flights.run('k', c2.signal, work)
    c1.abort()
    await expect(a).rejects.toBeInstanceOf(WaiterLeft)
    expect(workSignal?.aborted).toBe(false)
    c2.abort()
    await expect(b).rejects.toBeInstanceOf(WaiterLeft)
    expect(workSignal?.aborted).toBe(true)
    expect(flights.size).toBe(0)

    const boom = async () => { throw new Error('loki down') }
    const both = await Promise.allSettled([flights.run('f', undefined, boom), flights.run('f', undefined, boom)])
    expect(both.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['loki down', 'loki down'])
  })

  it('keys the input as the feed reads it: a relative range is one question, absolute times are rounded to the second', () => {
    const now = Date.parse('2026-11-22T02:00:00Z')
    const key = (raw: Record<string, string>, at = now) => feedKey(raw, parseErrorsQuery(raw, 30, at))
    expect(key({ range: '1h', q: 'timeout' }, now)).toBe(key({ range: '1h', q: 'timeout' }, now + 700))
    expect(key({ q: 'timeout' })).toBe(key({ range: '1h', q: 'timeout' }))
    expect(key({ range: '1h', q: 'timeout' })).not.toBe(key({ range: '6h', q: 'timeout' }))
    expect(key({ range: '1h', q: 'timeout' })).not.toBe(key({ range: '1h', q: 'Timeout' }))
    expect(key({ range: '1h', q: '/timeout/i' })).not.toBe(key({ range: '1h', q: 'timeout' }))
    expect(key({ range: '1h', minSeverity: 'low' })).not.toBe(key({ range: '1h' }))
    expect(key({ range: '1h', limit: '10' })).not.toBe(key({ range: '1h' }))
    const abs = (end: string) => key({ start: '2026-11-22T00:00:00Z', end })
    expect(abs('2026-11-22T01:00:00.100Z')).toBe(abs('2026-11-22T01:00:00.900Z'))
    expect(abs('2026-11-22T01:00:00.100Z')).not.toBe(abs('2026-11-22T01:00:01.100Z'))
  })
})

describe('GET /logs/api/errors: identical concurrent requests share one computation', () => {
  let loki: Awaited<ReturnType<typeof startLokiFaultServer>>
  let t: TestApp
  beforeAll(async () => {
    // A query takes Loki some time, as a real one's does: all ten requests arrive while the first is computed
    // (with instant answers the first could finish before the tenth arrived, which then asks again).
    loki = await startLokiFaultServer({ latencyMs: 30 })
    t = await buildTestApp({ LOKI_URL: loki.url, LOKI_SPLIT_INTERVAL: '1h', LOKI_MAX_OUTSTANDING: '6', LOKI_MAX_QUERY_PARALLELISM: '4' }, { parts: { database: false, alerts: false, scheduling: false, web: false } })
  }, 120_000)
  afterAll(async () => {
    await t?.close()
    await loki?.close()
  })

  it('ten identical requests cost Loki what one costs; ten different ones cost many times more', async () => {
    const get = async (q: string) => await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=6h&q=${q}`, headers: auth() })
    expect((await get('warmup')).statusCode).toBe(200)
    loki.set('healthy')
    expect((await get('alone')).statusCode).toBe(200)
    const one = loki.requests()
    const oneUrls = loki.urls()
    expect(one).toBeGreaterThan(0)

    loki.set('healthy')
    const same = await Promise.all(Array.from({ length: 10 }, async () => await get('same')))
    expect(same.map((r) => r.statusCode)).toEqual(Array(10).fill(200))
    expect(new Set(same.map((r) => JSON.stringify(r.json().groups))).size).toBe(1)
    // What one costs, not ten times it. Not exactly one's count: the open chunk's windows are asked
    // for differently a moment later (a window closes, its count and lines are asked on their own).
    expect(loki.requests(), JSON.stringify({ oneUrls, same: loki.urls() }, null, 1)).toBeLessThan(2 * one)

    loki.set('healthy')
    const different = await Promise.all(Array.from({ length: 10 }, async (_, i) => await get(`different${i}`)))
    expect(different.map((r) => r.statusCode)).toEqual(Array(10).fill(200))
    // Different questions are not shared (their exact count depends on where chunk edges fall).
    expect(loki.requests()).toBeGreaterThan(one * 5)
  })
})
