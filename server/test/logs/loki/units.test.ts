import { describe, expect, it } from 'vitest'
import { planChunks, rangeLabel } from '../../../src/logs/loki/chunks.js'
import { classify, sanitizeBody } from '../../../src/logs/loki/client.js'
import { createQueryBudget, parseSizeLimit, queryLimitForVersion } from '../../../src/logs/loki/budget.js'
import { fitLogQuery } from '../../../src/logs/loki/fit.js'
import { goDurationS, parseLokiConfig } from '../../../src/logs/loki/loki-config.js'
import { SubQueryLimiter } from '../../../src/logs/loki/limiter.js'
import { weightOf } from '../../../src/logs/loki/requester.js'
import { runsOf, windowSize, windowsOf } from '../../../src/logs/loki/windows.js'
import { backoffMs, parseRetryAfter, sleep } from '../../../src/logs/loki/retry.js'
import { strategyForVersion } from '../../../src/logs/loki/version.js'

const H = 3_600_000_000_000n
const T = BigInt(Date.UTC(2026, 10, 20)) * 1_000_000n // a midnight, a multiple of 6 h

describe('chunk planning', () => {
  it('covers the range with chunks aligned to the chunk size, newest first', () => {
    const start = T + 2n * H + 123n
    const end = T + 20n * H + 7n
    const chunks = planChunks(start, end, 6n * H, T + 100n * H)
    expect(chunks.map((c) => [c.startNs - T, c.endNs - T])).toEqual([
      [18n * H, 20n * H + 7n], [12n * H, 18n * H], [6n * H, 12n * H], [2n * H + 123n, 6n * H],
    ])
    // Closed chunks are fetched whole (stable bounds, stable cache key) and trimmed later.
    expect(chunks.every((c) => c.closed)).toBe(true)
    expect(chunks[0]).toMatchObject({ fetchStartNs: T + 18n * H, fetchEndNs: T + 24n * H })
    expect(chunks[3]).toMatchObject({ fetchStartNs: T, fetchEndNs: T + 6n * H })
  })

  it('fetches the open chunk exactly and never caches it', () => {
    const now = T + 27n * H
    const chunks = planChunks(T + 20n * H, now, 6n * H, now - 120_000_000_000n)
    expect(chunks.map((c) => c.closed)).toEqual([false, true])
    expect(chunks[0]).toMatchObject({ fetchStartNs: T + 24n * H, fetchEndNs: now })
  })

  it('gives the same closed bounds to overlapping 7-day queries', () => {
    const a = planChunks(T, T + 168n * H, 6n * H, T + 200n * H)
    const b = planChunks(T + 1n * H, T + 169n * H + 5n, 6n * H, T + 200n * H)
    expect(a).toHaveLength(28)
    const key = (c: { fetchStartNs: bigint, fetchEndNs: bigint }) => `${c.fetchStartNs}-${c.fetchEndNs}`
    expect(b.filter((c) => a.some((x) => key(x) === key(c)))).toHaveLength(28)
  })

  it('returns nothing for an empty range and labels ranges for people', () => {
    expect(planChunks(T, T, 6n * H, T)).toEqual([])
    expect(rangeLabel(T, T + 6n * H)).toBe('2026-11-20T00:00Z..2026-11-20T06:00Z')
  })
})

describe('sub-query limiter', () => {
  it('halves the sub-queries allowed on 429 at most once per second and creeps back after successes', () => {
    let now = 0
    const l = new SubQueryLimiter(64, 8, () => now)
    l.onRateLimited()
    expect(l.concurrency).toBe(4)
    l.onRateLimited()
    expect(l.concurrency).toBe(4)
    now = 1500
    l.onRateLimited()
    expect(l.concurrency).toBe(2)
    for (let i = 0; i < 2; i++) l.onSuccess()
    expect(l.concurrency).toBe(3)
    for (let i = 0; i < 100; i++) l.onSuccess()
    expect(l.concurrency).toBe(8)
    now = 5000
    for (let i = 0; i < 10; i++) { now += 2000; l.onRateLimited() }
    expect(l.concurrency).toBe(1)
  })

  it('never has more sub-queries in flight than allowed: a 4-part request counts 4', async () => {
    const l = new SubQueryLimiter(64, 6)
    let weight = 0
    let peak = 0
    const job = (w: number) => l.run(async () => {
      weight += w
      peak = Math.max(peak, weight)
      await sleep(5)
      weight -= w
    }, w)
    await Promise.all([4, 4, 1, 1, 1, 4, 2, 1, 1, 1, 1, 1].map(job))
    expect(peak).toBeLessThanOrEqual(6)
    expect(peak).toBeGreaterThanOrEqual(5)
  })

  it('starts an urgent request (a next page, a refetch) before those waiting their first turn, in order among urgent ones', async () => {
    const l = new SubQueryLimiter(64, 2)
    const order: string[] = []
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const job = (name: string, urgent: boolean, wait?: Promise<void>) => l.run(async () => { order.push(name); await wait }, 1, undefined, Number.POSITIVE_INFINITY, urgent)
    const running = [job('a', false, gate), job('b', false, gate)]
    const queued = [job('c', false), job('d', false), job('page-2', true), job('refetch', true)]
    release()
    await Promise.all([...running, ...queued])
    expect(order).toEqual(['a', 'b', 'page-2', 'refetch', 'c', 'd'])
  })

  it('never runs more requests than LOKI_CONCURRENCY at once', async () => {
    const l = new SubQueryLimiter(3, 100)
    let active = 0
    let peak = 0
    await Promise.all(Array.from({ length: 12 }, () => l.run(async () => {
      peak = Math.max(peak, ++active)
      await sleep(5)
      active--
    })))
    expect(peak).toBe(3)
  })

  it('starts nothing while Loki goes on refusing after a 429 (no Retry-After: the linger)', async () => {
    const l = new SubQueryLimiter(4, 6, Date.now, 150)
    l.onRateLimited()
    expect(l.pausedFor).toBeGreaterThan(100)
    const started = performance.now()
    await l.run(async () => {})
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    l.onRateLimited(40) // Retry-After wins when given
    expect(l.pausedFor).toBeLessThanOrEqual(40)
  })
})

describe('sub-query arithmetic', () => {
  const limits = { splitNs: H, parallelism: 4 }
  it('weighs a request by the split intervals it spans, at most max_query_parallelism', () => {
    expect(weightOf({ start: String(T), end: String(T + H) }, limits)).toBe(1)
    expect(weightOf({ start: String(T + 1n), end: String(T + H + 1n) }, limits)).toBe(2)
    expect(weightOf({ start: String(T), end: String(T + 2n * H) }, limits)).toBe(2)
    expect(weightOf({ start: String(T), end: String(T + 6n * H) }, limits)).toBe(4)
    // A step of at least the split interval: Loki splits by the step (splitMetricByTime).
    expect(weightOf({ start: String(T + H), end: String(T + 2n * H), step: '3600s' }, limits)).toBe(1)
    expect(weightOf({ start: String(T + 6n * H), end: String(T + 6n * H * 4n), step: '21600s' }, limits)).toBe(3)
    // One sample (start == end) of a count over a whole week: nothing to split, one sub-query.
    expect(weightOf({ start: String(T + 168n * H), end: String(T + 168n * H), step: '21600s' }, limits)).toBe(1)
    expect(weightOf({ start: String(T + 2n * H), end: String(T + 3n * H), step: '1800s' }, limits)).toBe(2)
  })

  it('cuts a range into windows that each lie in one split interval and one chunk', () => {
    expect(windowSize(H, 6n * H)).toBe(H)
    expect(windowSize(30n * 60n * 1_000_000_000n, 6n * H)).toBe(30n * 60n * 1_000_000_000n)
    expect(windowSize(24n * H, 6n * H)).toBe(6n * H)
    const ws = windowsOf(T + 123n, T + 3n * H + 7n, H)
    expect(ws.map((w) => [w.startNs - T, w.endNs - T])).toEqual([[3n * H, 3n * H + 7n], [2n * H, 3n * H], [H, 2n * H], [123n, H]])
    expect(runsOf([ws[0], ws[1], ws[3]].map((w) => w as { startNs: bigint, endNs: bigint })).map((r) => [r.startNs - T, r.endNs - T])).toEqual([[2n * H, 3n * H + 7n], [123n, H]])
  })
})

describe("Loki's /config", () => {
  it('reads the split interval, parallelism, outstanding limit and entry limit; ignores what is missing', () => {
    const yaml = `limits_config:
  split_queries_by_interval: 1h0m0s
  max_query_parallelism: 4
  max_entries_limit_per_query: 1000
frontend:
  max_outstanding_per_tenant: 6
query_scheduler:
  max_outstanding_requests_per_tenant: 100
`
    expect(parseLokiConfig(yaml)).toEqual({ splitIntervalS: 3600, maxQueryParallelism: 4, maxOutstanding: 6, maxEntries: 1000 })
    expect(parseLokiConfig('query_range:\n  split_queries_by_interval: 30m\n')).toEqual({ splitIntervalS: 1800 })
    expect(parseLokiConfig('404 page not found')).toEqual({})
    expect(parseLokiConfig(': [')).toEqual({})
    expect(goDurationS('1h30m')).toBe(5400)
    expect(goDurationS('abc')).toBeUndefined()
  })
})

describe('query-size budget', () => {
  it('takes the limit from the version: 5,120 bytes before 3.0, 131,072 since, 5,120 when unsure', () => {
    expect(queryLimitForVersion('2.8.0')).toBe(5120)
    expect(queryLimitForVersion('2.9.10')).toBe(5120)
    expect(queryLimitForVersion('3.0.0')).toBe(131_072)
    expect(queryLimitForVersion('v3.4.2')).toBe(131_072)
    for (const v of ['', 'main-abc123', 'HEAD', undefined]) expect(queryLimitForVersion(v)).toBe(5120)
  })

  it('counts bytes, not characters, and learns a smaller limit from Loki\'s 400 but never a larger one', () => {
    const b = createQueryBudget(5120, 'Loki 3.9.0')
    expect(b.fits('x'.repeat(5119))).toBe(true)
    expect(b.fits('x'.repeat(5120))).toBe(false)
    expect(b.fits('é'.repeat(2560))).toBe(false) // 5,120 bytes in 2,560 characters
    expect(parseSizeLimit('parse error : input size too long (8744 > 5120)')).toEqual({ size: 8744, limit: 5120 })
    expect(b.learn(131_072)).toBe(false)
    expect(b.learn(4000)).toBe(true)
    expect(b.limit).toBe(4000)
    expect(b.source).toMatch(/input size too long/)
  })

  it('keeps the search and drops the narrowing filters, exclude first, until the count query fits', () => {
    const parts = { selector: '{job="a"}', filter: { kind: 'text' as const, text: 'timeout', caseInsensitive: false }, include: 'x'.repeat(3000), exclude: 'y'.repeat(3000), strategy: 'inline' as const }
    expect(fitLogQuery(parts, createQueryBudget(131_072, 'Loki 3.0.0'), H).atLoki).toBe('all')
    expect(fitLogQuery(parts, createQueryBudget(5120, 'Loki 2.9.10'), H)).toMatchObject({ atLoki: 'no-exclude' })
    expect(fitLogQuery(parts, createQueryBudget(2000, 'Loki 2.9.10'), H)).toEqual({ atLoki: 'search-only', logql: '{job="a"} |= "timeout"' })
    const long = { ...parts, filter: { kind: 'text' as const, text: 'é'.repeat(2600), caseInsensitive: false } }
    expect(() => fitLogQuery(long, createQueryBudget(5120, 'Loki 2.9.10'), H)).toThrow(/too long for this Loki.*5,2\d\d bytes.*Loki 2\.9\.10 accepts less than 5,120; shorten the search by at least \d+ bytes/)
  })
})

describe('retry timing', () => {
  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('0.5')).toBe(500)
    const now = Date.UTC(2026, 10, 22, 3, 0, 0)
    expect(parseRetryAfter('Sun, 22 Nov 2026 03:00:07 GMT', now)).toBe(7000)
    expect(parseRetryAfter('Sun, 22 Nov 2026 02:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(undefined)).toBeUndefined()
  })

  it('backs off with full jitter under a cap', () => {
    expect(backoffMs(0, () => 0.999)).toBeLessThan(200)
    expect(backoffMs(3, () => 0.5)).toBe(800)
    expect(backoffMs(20, () => 0.999)).toBeLessThan(8000)
    expect(backoffMs(5, () => 0)).toBe(0)
  })

  it('sleep stops when the signal aborts', async () => {
    const started = performance.now()
    await expect(sleep(5000, AbortSignal.timeout(20))).rejects.toBeDefined()
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('Loki answers', () => {
  it('maps status and body to a kind', () => {
    expect(classify(429, 'too many outstanding requests', '2')).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 })
    expect(classify(500, 'rpc error: code = Code(500) desc = error parsing regexp: missing closing ): `(a`', undefined).kind).toBe('bad_regex')
    expect(classify(502, 'bad gateway', undefined).kind).toBe('server_error')
    expect(classify(400, 'max entries limit per query exceeded, limit > max_entries_limit (5000 > 1000)', undefined)).toMatchObject({ kind: 'limit_too_high', maxEntries: 1000 })
    expect(classify(400, 'the query time range exceeds the limit (query length: 721h0m0s, limit: 720h0m0s)', undefined).kind).toBe('too_long')
    expect(classify(400, 'parse error at line 1, col 5: syntax error', undefined).kind).toBe('bad_request')
    expect(classify(401, 'no org id', undefined).kind).toBe('auth')
    expect(classify(400, 'parse error : input size too long (8744 > 5120)', undefined)).toMatchObject({ kind: 'too_large', sizeLimit: 5120 })
    expect(classify(500, 'rpc error: code = Unknown desc = parse error : stage \'|~ "\\\\C"\' : error parsing regexp: invalid escape sequence: `\\C`', undefined).kind).toBe('bad_regex')
    // Loki's 429: plain text with a JSON content type and no Retry-After.
    expect(classify(429, 'too many outstanding requests', undefined)).toMatchObject({ kind: 'rate_limited', retryAfterMs: undefined })
  })

  it('sanitizes bodies: one line, short, no secrets', () => {
    const body = 'failed for http://admin:hunter2@loki:3100 token=abcdef123456\n\u0000' + 'x'.repeat(1000)
    const s = sanitizeBody(body)
    expect(s).not.toContain('hunter2')
    expect(s).not.toContain('abcdef123456')
    expect(s).not.toMatch(/[\n\u0000]/) // eslint-disable-line no-control-regex
    expect(s.length).toBeLessThanOrEqual(301)
  })

  it('chooses inline (?i) for a Loki that answers buildinfo (2.0 and later), classes for an older one', () => {
    expect(strategyForVersion('2.8.4')).toBe('inline')
    expect(strategyForVersion('v3.1.0')).toBe('inline')
    expect(strategyForVersion('1.6.1')).toBe('alternation')
    // A source build answers "" or "main-abc123": buildinfo exists only since 2.x.
    expect(strategyForVersion('HEAD-e0af1cc')).toBe('inline')
    expect(strategyForVersion('')).toBe('inline')
    expect(strategyForVersion(undefined)).toBe('alternation')
  })
})
