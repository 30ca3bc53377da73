import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startLokiFaultServer } from '../../../../bench/chaos/loki-fault-server.js'
import { BREAKER_BURST, BREAKER_RATE, SubQueryLimiter } from '../../../src/logs/loki/limiter.js'
import { auth, buildTestApp, type TestApp } from '../../helpers/app.js'

const DEADLINE_MS = 3000
const USERS = 20

describe('breaker: a token bucket on request starts while Loki fails', () => {
  it('lets the burst through, then BREAKER_RATE starts a second, and nothing limits a healthy Loki', async () => {
    let clock = 1_000_000
    const limiter = new SubQueryLimiter(100, 100, () => clock)
    const starts: number[] = []
    const run = async () => await limiter.run(async () => { starts.push(clock) })
    await Promise.all(Array.from({ length: 50 }, run))
    expect(starts.length).toBe(50)

    limiter.onFailure()
    expect(limiter.breakerOpen).toBe(true)
    starts.length = 0
    const pending = Promise.all(Array.from({ length: 20 }, run))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(starts.length).toBe(BREAKER_BURST)
    for (let i = 0; i < 15; i++) {
      clock += 1000 / BREAKER_RATE
      await new Promise((resolve) => setTimeout(resolve, 1000 / BREAKER_RATE + 5))
    }
    await pending
    expect(starts.length).toBe(20)
    // In any second of clock: at most the burst plus the rate.
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(BREAKER_BURST + BREAKER_RATE)
  })
})

describe('Loki back-pressure under concurrency (real HTTP fault server)', () => {
  let loki: Awaited<ReturnType<typeof startLokiFaultServer>>
  let t: TestApp
  beforeAll(async () => {
    loki = await startLokiFaultServer()
    t = await buildTestApp({ LOKI_URL: loki.url, LOKI_DEADLINE_MS: String(DEADLINE_MS), LOKI_CHUNK_TIMEOUT_MS: '15000' }, { parts: { database: false, alerts: false, scheduling: false, web: false } })
    // Buildinfo and /config are read once, on a healthy Loki.
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h&q=warmup', headers: auth() })).statusCode).toBe(200)
  }, 120_000)
  afterEach(() => loki.set('healthy'))
  afterAll(async () => {
    await t?.close()
    await loki?.close()
  })

  async function storm (users: number) {
    return await Promise.all(Array.from({ length: users }, async (_, i) => {
      const t0 = performance.now()
      const res = await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=24h&q=user${i}`, headers: auth() })
      return { status: res.statusCode, message: String(res.json().message ?? ''), ms: performance.now() - t0 }
    }))
  }

  it(`a Loki answering 429 to everything gets at most 20 requests a second from ${USERS} users`, async () => {
    loki.set('429')
    const started = performance.now()
    const answers = await storm(USERS)
    const seconds = (performance.now() - started) / 1000
    expect(answers.every((a) => a.status >= 500 && a.status < 600)).toBe(true)
    expect(answers.every((a) => !/is not iterable|undefined|\n\s+at /.test(a.message))).toBe(true)
    expect(loki.peakPerSecond()).toBeLessThanOrEqual(20)
    expect(loki.requests() / seconds).toBeLessThanOrEqual(20)
    console.log(`429 storm: ${USERS} users, ${loki.requests()} Loki requests in ${seconds.toFixed(1)} s, peak ${loki.peakPerSecond()}/s, slowest ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms`)
    const health = await t.app.inject({ method: 'GET', url: '/logs/api/health' })
    expect(health.json().dependencies.logs.status).not.toBe('up')
  }, 30_000)

  it(`a hung Loki answers every one of ${USERS} users by LOKI_DEADLINE_MS + 1 s`, async () => {
    loki.set('hang')
    const answers = await storm(USERS)
    const slowest = Math.max(...answers.map((a) => a.ms))
    console.log(`hang: ${USERS} users, slowest ${Math.round(slowest)} ms (deadline ${DEADLINE_MS} ms), statuses ${[...new Set(answers.map((a) => a.status))].join('/')}`)
    expect(answers.every((a) => a.status === 504 || a.status === 503 || a.status === 502)).toBe(true)
    expect(slowest).toBeLessThanOrEqual(DEADLINE_MS + 1000)
    expect(answers.some((a) => /deadline|LOKI_DEADLINE_MS|did not answer|timed out/i.test(a.message))).toBe(true)
  }, 30_000)
})
