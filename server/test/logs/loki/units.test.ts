import { describe, expect, it } from 'vitest'
import { planChunks, rangeLabel } from '../../../src/logs/loki/chunks.js'
import { classify, sanitizeBody } from '../../../src/logs/loki/client.js'
import { AdaptiveLimiter } from '../../../src/logs/loki/limiter.js'
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

describe('AIMD limiter', () => {
  it('halves on 429 at most once per second and creeps back after successes', () => {
    let now = 0
    const l = new AdaptiveLimiter(8, () => false, () => now)
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

  it('never runs more than its current bound at once', async () => {
    const l = new AdaptiveLimiter(3)
    let active = 0
    let peak = 0
    await Promise.all(Array.from({ length: 12 }, () => l.run(async () => {
      peak = Math.max(peak, ++active)
      await sleep(5)
      active--
    })))
    expect(peak).toBe(3)
  })

  it('paces request starts at 80% of the rate Loki admitted when it said 429', async () => {
    let now = 10_000
    const l = new AdaptiveLimiter(4, (err) => err === 'rate limited', () => now)
    for (let i = 0; i < 10; i++) { await l.run(async () => {}); now += 100 }
    await l.run(async () => { throw 'rate limited' }).catch(() => {}) // eslint-disable-line no-throw-literal
    l.onRateLimited()
    // 10 admitted (the 11th refused) within the last second: 10/s, paced at 8/s.
    expect(l.startsPerSecond).toBeCloseTo(8, 0)
    expect(l.concurrency).toBe(2)
  })

  it('spaces request starts once paced', async () => {
    const l = new AdaptiveLimiter(4)
    await Promise.all(Array.from({ length: 2 }, () => l.run(async () => {})))
    l.onRateLimited()
    expect(l.startsPerSecond).toBeLessThanOrEqual(16)
    const starts: number[] = []
    await Promise.all(Array.from({ length: 3 }, () => l.run(async () => { starts.push(performance.now()) })))
    expect((starts[2] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(2 * 1000 / 16 - 5)
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
  })

  it('sanitizes bodies: one line, short, no secrets', () => {
    const body = 'failed for http://admin:hunter2@loki:3100 token=abcdef123456\n\u0000' + 'x'.repeat(1000)
    const s = sanitizeBody(body)
    expect(s).not.toContain('hunter2')
    expect(s).not.toContain('abcdef123456')
    expect(s).not.toMatch(/[\n\u0000]/) // eslint-disable-line no-control-regex
    expect(s.length).toBeLessThanOrEqual(301)
  })

  it('chooses inline (?i) only for a Loki that says it is 2.0 or newer', () => {
    expect(strategyForVersion('2.8.4')).toBe('inline')
    expect(strategyForVersion('v3.1.0')).toBe('inline')
    expect(strategyForVersion('1.6.1')).toBe('alternation')
    expect(strategyForVersion('HEAD-e0af1cc')).toBe('alternation')
    expect(strategyForVersion(undefined)).toBe('alternation')
  })
})
