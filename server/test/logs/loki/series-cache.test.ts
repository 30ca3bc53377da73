import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { createMemoryCache, createRedisCache } from '../../../src/infra/redis.js'
import { createSeriesCache, decodeSamples } from '../../../src/logs/loki/series-cache.js'
import { createLokiSource } from '../../../src/logs/loki/source.js'
import type { SeriesQuery } from '../../../src/logs/source.js'
import { createMetrics } from '../../../src/metrics/registry.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { have, REDIS_URL } from '../../helpers/services.js'
import { HOUR_MS, metricValue, ns } from './setup.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

describe('series cache values', () => {
  it('decodes only what it wrote: versioned, the expected length, finite numbers', () => {
    expect(decodeSamples(JSON.stringify({ v: 1, s: [0, 3, 12.5] }), 3)).toEqual([0, 3, 12.5])
    expect(decodeSamples(JSON.stringify({ v: 1, s: [0, 3] }), 3)).toBeUndefined()
    expect(decodeSamples(JSON.stringify({ v: 2, s: [0, 3, 1] }), 3)).toBeUndefined()
    expect(decodeSamples(JSON.stringify({ v: 1, s: [0, '3', 1] }), 3)).toBeUndefined()
    expect(decodeSamples('{"v":1,"s":[0,1e999,1]}', 3)).toBeUndefined()
    expect(decodeSamples('null', 1)).toBeUndefined()
    expect(decodeSamples('not json', 1)).toBeUndefined()
  })

  it('keys on everything a sample depends on', () => {
    const c = createSeriesCache(createMemoryCache('t', undefined), createMetrics(new Registry()), () => {})
    const base = { url: 'http://loki:3100', tenant: 'a', query: 'sum(count_over_time({job="x"} [60s]))', stepMs: 60_000, firstMs: 60_000, lastMs: 600_000 }
    const k = c.key(base)
    expect(c.key({ ...base })).toBe(k)
    for (const change of [{ url: 'http://other:3100' }, { tenant: undefined }, { query: base.query.replace('x', 'y') }, { stepMs: 120_000 }, { firstMs: 120_000 }, { lastMs: 540_000 }]) {
      expect(c.key({ ...base, ...change }), JSON.stringify(change)).not.toBe(k)
    }
  })

  it('treats a value of the wrong shape in the shared cache as a miss and reports it', async () => {
    const shared = createMemoryCache('t', undefined)
    const errors: string[] = []
    const metrics = createMetrics(new Registry())
    const c = createSeriesCache(shared, metrics, (err) => errors.push(err.message))
    await shared.set('k', JSON.stringify({ v: 1, s: [1, 2] }), 60)
    expect(await c.get('k', 3)).toBeUndefined()
    expect(errors.join()).toMatch(/not 3 samples/)
    await c.set('k', [1, 2, 3])
    expect(await c.get('k', 3)).toEqual([1, 2, 3])
    expect(await metricValue(metrics, 'tovwatch_cache_requests_total', { cache: 'loki-series-local', result: 'hit' })).toBe(1)
  })
})

describe.skipIf(!(await have('redis')))('series cache on real Redis', () => {
  it('lets a second instance read the closed pieces from Redis and ask Loki only for the open one', async () => {
    const PINNED = Date.UTC(2026, 0, 14, 15, 7, 31, 250)
    const closedEnd = Math.floor((PINNED - 120_000) / (6 * HOUR_MS)) * 6 * HOUR_MS
    const d: LokiDouble = await startLokiDouble({ data: { seed: 5, count: 10_000, startMs: PINNED - 3 * 24 * HOUR_MS, endMs: PINNED, errorRatio: 0.3 } })
    const name = `loki-series-test-${randomUUID()}`
    const redis = new Redis(REDIS_URL)
    cleanups.push(async () => {
      const keys = await redis.keys(`tovwatch:${name}:*`)
      if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
      await d.close()
    })
    const instance = () => {
      const metrics = createMetrics(new Registry())
      const cache = createRedisCache(REDIS_URL, name, metrics, (err) => { throw err })
      const config = loadConfig({ LOKI_URL: d.url, LOG_LEVEL: 'silent', LOKI_CASE_INSENSITIVE: 'inline' })
      const src = createLokiSource(config.loki, { metrics, cache, logger: pino({ level: 'silent' }) }, { now: () => PINNED })
      cleanups.push(async () => { await src.close(); await cache.close() })
      return { src, metrics }
    }
    const a = instance()
    const b = instance()
    await new Promise((resolve) => setTimeout(resolve, 200)) // the caches connect in the background
    const q: SeriesQuery = {
      startNs: ns(PINNED - 7 * 24 * HOUR_MS + 4321),
      endNs: ns(PINNED),
      stepSeconds: 7200,
      buckets: [{ name: 'errors', include: 'error|Error|ERROR' }, { name: 'critical', include: 'FATAL|panic' }],
    }
    const cold = await a.src.series(q)
    await a.src.close() // waits for the cache writes
    const keys = await redis.keys(`tovwatch:${name}:series:*`)
    // 7 days and a step: 28 closed 6-hour pieces, or 29 when the aligned grid starts a chunk earlier; two buckets.
    expect(keys.length).toBeGreaterThanOrEqual(2 * 27)
    const n = d.queries().length
    const warm = await b.src.series(q)
    expect(warm).toEqual(cold)
    const asked = d.queries().slice(n)
    expect(asked).toHaveLength(2)
    expect(asked.every((r) => (r.startNs as bigint) > ns(closedEnd))).toBe(true)
    expect(await metricValue(b.metrics, 'tovwatch_cache_requests_total', { cache: name, result: 'hit' })).toBeGreaterThanOrEqual(2 * 27)
  })
})
