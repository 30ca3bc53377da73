import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedisCache } from '../../../src/infra/redis.js'
import { createMetrics } from '../../../src/metrics/registry.js'
import { auth, buildTestApp, type TestApp } from '../../helpers/app.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { have, PG_ADMIN_URL, REDIS_URL } from '../../helpers/services.js'
import { closeDouble, collect, HOUR_MS, makeSource, ns } from './setup.js'

const NOW = Date.now()
let d: LokiDouble | undefined
let app: TestApp | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await app?.close()
  const double = d
  app = undefined
  d = undefined
  await closeDouble(double)
})

describe.skipIf(!(await have('redis')))('Loki chunk cache on real Redis', () => {
  it('lets a second instance re-read only the open chunk, from compact values', async () => {
    d = await startLokiDouble({ data: { count: 20_000, startMs: NOW - 3 * 24 * HOUR_MS, endMs: NOW } })
    const name = `loki-test-${randomUUID()}`
    const makeCache = () => {
      const metrics = createMetrics(new Registry())
      const cache = createRedisCache(REDIS_URL, name, metrics, (err) => { throw err })
      return { metrics, cache }
    }
    const a = makeCache()
    const b = makeCache()
    const redis = new Redis(REDIS_URL)
    cleanups.push(async () => {
      const keys = await redis.keys(`tovwatch:${name}:*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
      await a.cache.close()
      await b.cache.close()
    })
    await new Promise((resolve) => setTimeout(resolve, 200)) // the cache connects in the background
    const range = { startNs: ns(NOW - 3 * 24 * HOUR_MS), endNs: ns(NOW) }
    // No ingestion lag: otherwise, in the 2 minutes after a chunk boundary, two chunks are open.
    const noLag = { LOKI_INGESTION_LAG_S: '0' }
    const first = makeSource(d.url, noLag, a)
    const cold = await collect(first.src, range)
    await first.src.close() // waits for the cache writes
    const keys = await redis.keys(`tovwatch:${name}:*`)
    expect(keys.length).toBeGreaterThanOrEqual(12)
    const sizes = await Promise.all(keys.map((k) => redis.strlen(k)))
    const rawBytes = cold.entries.reduce((s, e) => s + e.line.length + 40, 0)
    expect(sizes.reduce((x, y) => x + y, 0)).toBeLessThan(rawBytes / 2)

    const before = d.queries().length
    const second = makeSource(d.url, noLag, b)
    const warm = await collect(second.src, range)
    await second.src.close()
    // Only the open chunk's windows (one per split interval of it so far) and the count of its closed ones.
    const openStart = ns(Math.floor(NOW / (6 * HOUR_MS)) * 6 * HOUR_MS)
    const repeat = d.queries().slice(before)
    expect(repeat.length).toBeGreaterThanOrEqual(1)
    expect(repeat.every((q) => (q.startNs as bigint) >= openStart)).toBe(true)
    expect(warm.outcome.complete).toBe(true)
    expect(warm.entries.map((e) => `${e.tsNs} ${e.line} ${JSON.stringify(e.labels)}`)).toEqual(cold.entries.map((e) => `${e.tsNs} ${e.line} ${JSON.stringify(e.labels)}`))
    expect(await b.metrics.registry.metrics()).toMatch(new RegExp(`tovwatch_cache_requests_total\\{cache="${name}",result="hit"\\} (1[2-9]|[2-9]\\d)`))
  })
})

describe('Loki source inside the app', () => {
  it('is built from LOKI_URL and answers queries and health', async () => {
    d = await startLokiDouble({ data: { count: 500, startMs: NOW - 2 * HOUR_MS, endMs: NOW } })
    // A real PostgreSQL only to skip the embedded one's start-up; no domain part uses it here.
    const database = process.env.CI === 'true' || await have('postgres') ? PG_ADMIN_URL : undefined
    app = await buildTestApp({ LOKI_URL: d.url, DATABASE_URL: database }, { parts: { errors: false, database: false, alerts: false, scheduling: false, web: false } })
    expect(app.deps.logSource.kind).toBe('loki')
    const r = await collect(app.deps.logSource, { startNs: ns(NOW - 2 * HOUR_MS), endNs: ns(NOW) })
    expect(r.outcome.complete).toBe(true)
    expect(r.entries).toHaveLength(500)
    const health = await app.app.inject({ method: 'GET', url: '/logs/api/health', headers: auth() })
    expect(health.json().dependencies.logs).toMatchObject({ status: 'up', kind: 'loki' })
    const metrics = await app.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toContain('tovwatch_loki_chunk_duration_seconds_bucket')
    expect(metrics.body).toMatch(/tovwatch_loki_up 1/)
  })
})
