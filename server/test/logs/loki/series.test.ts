import pino from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config.js'
import { createMemoryCache, type Cache } from '../../../src/infra/redis.js'
import { buildLogQuery } from '../../../src/logs/loki/logql.js'
import { planSeriesPieces, SERIES_MAX_POINTS } from '../../../src/logs/loki/series.js'
import { createLokiSource } from '../../../src/logs/loki/source.js'
import { LogQueryError, type LogSource, type SeriesOutcome, type SeriesQuery } from '../../../src/logs/source.js'
import { M } from '../../../src/metrics/names.js'
import { createMetrics, type Metrics } from '../../../src/metrics/registry.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { HOUR_MS, makeSource, metricValue, ns, type TestSource } from './setup.js'

const NOW = Math.floor(Date.now() / 1000) * 1000
const CHUNK_MS = 6 * HOUR_MS
let d: LokiDouble | undefined
let t: TestSource | undefined
const closing: LogSource[] = []
afterEach(async () => {
  for (const s of closing.splice(0)) await s.close()
  await t?.src.close()
  await d?.close()
  d = undefined
  t = undefined
})

/** A source whose clock is pinned, so which chunks are closed does not depend on the time of day. */
function pinnedSource (url: string, now: number, opts: { cache?: Cache, env?: Record<string, string> } = {}): { src: LogSource, metrics: Metrics, shared: Cache, logs: string[] } {
  const config = loadConfig({ LOKI_URL: url, LOG_LEVEL: 'silent', LOKI_MAX_RETRIES: '3', LOKI_CASE_INSENSITIVE: 'inline', ...opts.env })
  const metrics = createMetrics(new Registry())
  const shared = opts.cache ?? createMemoryCache('loki', metrics)
  const logs: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(line) } })
  const src = createLokiSource(config.loki, { metrics, cache: shared, logger }, { now: () => now })
  closing.push(src)
  return { src, metrics, shared, logs }
}

const ERR = 'error|Error|ERROR|FATAL|panic'
const BUCKETS: SeriesQuery['buckets'] = [
  { name: 'errors', include: ERR },
  { name: 'other', include: '.', exclude: `${ERR}|GET /health` },
]
const logqlOf = (b: SeriesQuery['buckets'][number]) => buildLogQuery({ selector: '{job=~".+"}', include: b.include, exclude: b.exclude, strategy: 'inline' })

/** Every step checked against the double's own count of (t, t + step]. */
function expectTrueCounts (double: LokiDouble, s: SeriesOutcome, stepSeconds: number) {
  for (const b of BUCKETS) {
    const values = s.values[b.name] as number[]
    expect(values).toHaveLength(s.timestamps.length)
    s.timestamps.forEach((ts, i) => {
      expect(values[i], `${b.name} at ${new Date(ts).toISOString()}`).toBe(double.trueCount(logqlOf(b), ns(ts) + 1n, ns(ts + stepSeconds * 1000) + 1n))
    })
  }
}

describe('Loki source: series', () => {
  it('counts per step and bucket exactly, on a step-aligned grid, with zeros where Loki has no sample', async () => {
    // Lines only in the first 4 of 6 hours: the last steps must be zeros, not missing.
    d = await startLokiDouble({ data: { count: 5000, startMs: NOW - 6 * HOUR_MS, endMs: NOW - 2 * HOUR_MS } })
    t = makeSource(d.url, { LOKI_ENTRY_LIMIT: '100' })
    const startMs = NOW - 6 * HOUR_MS + 123
    const s = await t.src.series({
      startNs: ns(startMs),
      endNs: ns(NOW),
      stepSeconds: 600,
      buckets: [{ name: 'errors', include: '(?i)error' }, { name: 'noise', include: 'GET /health', exclude: 'kube' }],
    })
    expect(s.complete).toBe(true)
    // Loki's query frontend aligns a metric query to multiples of its step; so do we.
    const first = Math.floor(startMs / 600_000) * 600_000
    expect(s.timestamps[0]).toBe(first)
    expect(s.timestamps).toHaveLength(Math.ceil((NOW - first) / 600_000))
    expect(s.timestamps.every((x, i) => x === first + i * 600_000)).toBe(true)
    const errors = s.values.errors as number[]
    expect(errors).toHaveLength(s.timestamps.length)
    s.timestamps.forEach((ts, i) => {
      // Step i counts (t, t + step].
      expect(errors[i], `step ${i}`).toBe(d?.trueCount('{job=~".+"} |~ "(?i)error"', ns(ts) + 1n, ns(ts + 600_000) + 1n))
    })
    expect(errors.slice(-12).every((v) => v === 0)).toBe(true)
    expect(errors.reduce((a, b) => a + b, 0)).toBeGreaterThan(100)
    expect(s.values.noise?.every((v) => v === 0)).toBe(true)
    const queries = d.queries()
    expect(queries.every((q) => q.step === '600s' && /^sum\(count_over_time\(/.test(q.query))).toBe(true)
    // Sent aligned, so a Loki that aligns (a real one) and one that does not (the double) answer alike.
    expect(queries.every((q) => (q.startNs as bigint) % 600_000_000_000n === 0n && (q.endNs as bigint) % 600_000_000_000n === 0n)).toBe(true)
  })

  it('splits a long series into pieces and puts every sample in its place', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - HOUR_MS, endMs: NOW } })
    t = makeSource(d.url)
    const s = await t.src.series({ startNs: ns(NOW - HOUR_MS), endNs: ns(NOW), stepSeconds: 1, buckets: [{ name: 'all', include: '.' }] })
    expect(s.timestamps).toHaveLength(3600)
    expect(d.queries()).toHaveLength(2)
    expect(s.values.all?.reduce((a, b) => a + b, 0)).toBe(d.trueCount('{job=~".+"}', ns(NOW - HOUR_MS) + 1n, ns(NOW) + 1n))
  })

  it('answers a partial failure with complete:false, and a refused query with an error', async () => {
    d = await startLokiDouble({ data: { count: 100, startMs: NOW - HOUR_MS, endMs: NOW } })
    d.fail({ kind: 'status', status: 502, body: 'bad gateway', match: (r) => r.query.includes('health') })
    t = makeSource(d.url, { LOKI_MAX_RETRIES: '0' })
    const s = await t.src.series({ startNs: ns(NOW - HOUR_MS), endNs: ns(NOW), stepSeconds: 60, buckets: [{ name: 'a', include: 'error' }, { name: 'b', include: 'health' }] })
    expect(s.complete).toBe(false)
    expect(s.incompleteReasons[0]).toMatch(/counts for .* are missing: bad gateway/)
    d.clearFailures()
    d.fail({ kind: 'status', status: 400, body: 'parse error : syntax error' })
    const err = await t.src.series({ startNs: ns(NOW - HOUR_MS), endNs: ns(NOW), stepSeconds: 60, buckets: [{ name: 'a', include: 'x' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LogQueryError)
    expect((err as LogQueryError).statusCode).toBe(502)
    const bad = await t.src.series({ startNs: ns(NOW), endNs: ns(NOW - 1), stepSeconds: 60, buckets: [] }).catch((e: unknown) => e)
    expect((bad as LogQueryError).statusCode).toBe(400)
  })
})

describe('series pieces', () => {
  const H = HOUR_MS
  const contiguous = (pieces: ReturnType<typeof planSeriesPieces>, stepMs: number) =>
    pieces.every((p, i) => i === 0 || p.firstMs === (pieces[i - 1] as typeof p).firstMs + (pieces[i - 1] as typeof p).points * stepMs)

  it('cuts on the chunk grid, takes whole closed chunks and leaves the open one as asked', () => {
    const day = Date.UTC(2026, 0, 14)
    const step = 2 * H
    // Needed evaluation times 02:00 (day 1) .. 16:00 (day 2); closed before 15:10 on day 2.
    const pieces = planSeriesPieces(day + 2 * H, day + 24 * H + 16 * H, step, 6 * H, day + 24 * H + 15 * H + 600_000)
    expect(contiguous(pieces, step)).toBe(true)
    expect(pieces[0]).toEqual({ firstMs: day + 2 * H, points: 3, closed: true })
    expect(pieces.filter((p) => p.closed).every((p) => p.points === 3 && (p.firstMs - 2 * H) % (6 * H) === 0)).toBe(true)
    expect(pieces[pieces.length - 1]).toEqual({ firstMs: day + 24 * H + 14 * H, points: 2, closed: false })
    expect(pieces).toHaveLength(7)
  })

  it('covers steps longer than a chunk, and caps a closed piece at what one request may hold', () => {
    const day = Date.UTC(2026, 0, 14)
    const long = planSeriesPieces(day + 24 * H, day + 5 * 24 * H, 24 * H, 6 * H, day + 10 * 24 * H)
    expect(long.map((p) => p.points)).toEqual([1, 1, 1, 1, 1])
    expect(long.map((p) => p.firstMs)).toEqual([1, 2, 3, 4, 5].map((k) => day + k * 24 * H))
    // One-second steps: a whole 6-hour chunk is 21,600 points, so only the asked part is taken.
    const fine = planSeriesPieces(day + 5 * H + 1000, day + 7 * H, 1000, 6 * H, day + 8 * H)
    expect(fine[0]).toEqual({ firstMs: day + 5 * H + 1000, points: 3600, closed: true })
    expect(fine[0]?.points).toBeGreaterThan(SERIES_MAX_POINTS)
    expect(contiguous(fine, 1000)).toBe(true)
    expect(fine.reduce((a, p) => a + p.points, 0)).toBe(2 * 3600)
  })
})

describe('Loki source: series cache', () => {
  // A clock pinned at an unaligned time: 15:07:31.250 UTC, 3 days of data before it.
  const PINNED = Date.UTC(2026, 0, 14, 15, 7, 31, 250)
  const CLOSED_END = Math.floor((PINNED - 120_000) / CHUNK_MS) * CHUNK_MS
  const data = {
    seed: 3,
    count: 20_000,
    startMs: PINNED - 3 * 24 * HOUR_MS,
    endMs: PINNED,
    errorRatio: 0.3,
    bursts: [{ startMs: PINNED - 30 * HOUR_MS, endMs: PINNED - 29 * HOUR_MS, count: 3000, errorRatio: 0.9 }],
  }
  const since = (double: LokiDouble, n: number) => double.queries().slice(n)

  for (const stepSeconds of [600, 7200, 43_200]) {
    it(`re-reads only the open piece, with the values of an uncached query (step ${stepSeconds} s, unaligned starts)`, async () => {
      d = await startLokiDouble({ data })
      const double = d
      const a = pinnedSource(double.url, PINNED)
      // Not aligned to the step, the chunk or even the millisecond.
      const q1: SeriesQuery = { startNs: ns(PINNED - 2 * 24 * HOUR_MS + 777_777) + 123_456n, endNs: ns(PINNED), stepSeconds, buckets: BUCKETS }
      const cold = await a.src.series(q1)
      expect(cold.complete).toBe(true)
      expectTrueCounts(double, cold, stepSeconds)
      expect(BUCKETS.every((b) => (cold.values[b.name] as number[]).some((v) => v > 0))).toBe(true)

      let n = double.queries().length
      const warm = await a.src.series(q1)
      expect(warm).toEqual(cold)
      const repeat = since(double, n)
      expect(repeat.length).toBeGreaterThan(0)
      expect(repeat.length).toBeLessThanOrEqual(BUCKETS.length)
      // Every sample asked for is in the open chunk: evaluated after the last closed chunk ended.
      expect(repeat.every((r) => (r.startNs as bigint) > ns(CLOSED_END))).toBe(true)
      expect(await metricValue(a.metrics, M.cacheRequests, { cache: 'loki-series-local', result: 'hit' })).toBeGreaterThan(0)

      // Another unaligned start, later: the closed pieces it needs were cached whole.
      const q2: SeriesQuery = { ...q1, startNs: q1.startNs + ns(3 * HOUR_MS + 7 * 60_000 + 1500) }
      n = double.queries().length
      const shifted = await a.src.series(q2)
      expect(since(double, n).every((r) => (r.startNs as bigint) > ns(CLOSED_END))).toBe(true)
      const uncached = await pinnedSource(double.url, PINNED).src.series(q2)
      expect(shifted).toEqual(uncached)
      expectTrueCounts(double, shifted, stepSeconds)

      // Another instance with an empty in-process copy reads the shared cache.
      await a.src.close() // waits for the shared-cache writes
      n = double.queries().length
      const other = await pinnedSource(double.url, PINNED, { cache: a.shared }).src.series(q1)
      expect(other).toEqual(cold)
      expect(since(double, n).every((r) => (r.startNs as bigint) > ns(CLOSED_END))).toBe(true)
    })
  }

  it('does not cache samples Loki failed to give, and fills them in on the next query', async () => {
    d = await startLokiDouble({ data })
    const double = d
    const a = pinnedSource(double.url, PINNED, { env: { LOKI_MAX_RETRIES: '0' } })
    const q: SeriesQuery = { startNs: ns(PINNED - 24 * HOUR_MS - 60_001), endNs: ns(PINNED), stepSeconds: 1800, buckets: BUCKETS }
    double.fail({ kind: 'status', status: 502, body: 'bad gateway', times: 1, match: (r) => r.query.includes('GET /health') })
    const broken = await a.src.series(q)
    expect(broken.complete).toBe(false)
    expect(broken.incompleteReasons.join()).toMatch(/bad gateway/)
    expect(broken.values.other?.every((v) => v === 0)).toBe(true)

    const n = double.queries().length
    const fixed = await a.src.series(q)
    expect(fixed.complete).toBe(true)
    expectTrueCounts(double, fixed, 1800)
    expect(fixed.values.errors).toEqual(broken.values.errors)
    const again = since(double, n)
    // The bucket that failed is read again from before the last closed chunk; the other one only from the open chunk.
    expect(again.some((r) => r.query.includes('GET /health') && (r.startNs as bigint) < ns(CLOSED_END))).toBe(true)
    expect(again.filter((r) => !r.query.includes('GET /health')).every((r) => (r.startNs as bigint) > ns(CLOSED_END))).toBe(true)
  })

  it('answers from Loki when the shared cache fails, and says so in the log', async () => {
    d = await startLokiDouble({ data })
    const double = d
    const broken: Cache = {
      kind: 'redis',
      get: async () => { throw new Error('redis went away') },
      set: async () => { throw new Error('redis went away') },
      degraded: () => true,
      ping: async () => null,
      close: async () => {},
    }
    const a = pinnedSource(double.url, PINNED, { cache: broken })
    const q: SeriesQuery = { startNs: ns(PINNED - 24 * HOUR_MS), endNs: ns(PINNED), stepSeconds: 3600, buckets: BUCKETS }
    const s = await a.src.series(q)
    expect(s.complete).toBe(true)
    expectTrueCounts(double, s, 3600)
    // The in-process copy still serves the repeat.
    const n = double.queries().length
    expect(await a.src.series(q)).toEqual(s)
    expect(since(double, n).every((r) => (r.startNs as bigint) > ns(CLOSED_END))).toBe(true)
    await a.src.close()
    expect(a.logs.join('\n')).toMatch(/loki cache error/)
  })
})
