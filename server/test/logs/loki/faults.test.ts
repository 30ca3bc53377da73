import { afterEach, describe, expect, it } from 'vitest'
import { parseSearch } from '../../../src/logs/filter.js'
import { LogQueryError } from '../../../src/logs/source.js'
import { M } from '../../../src/metrics/names.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { closeDouble, collect, HOUR_MS, makeSource, metricValue, ns, type TestSource } from './setup.js'

const NOW = Date.now()
const DAY = { startNs: ns(NOW - 24 * HOUR_MS), endNs: ns(NOW) }
let d: LokiDouble | undefined
let t: TestSource | undefined
afterEach(async () => { await t?.src.close(); const double = d; d = undefined; t = undefined; await closeDouble(double) })

async function refusal (p: Promise<unknown>): Promise<LogQueryError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(LogQueryError)
  return err as LogQueryError
}

describe('Loki source: faults', () => {
  it('rides out a storm of 429s without an error reaching the user', async () => {
    d = await startLokiDouble({ data: { count: 2000, startMs: NOW - 24 * HOUR_MS, endMs: NOW } })
    d.fail({ kind: 'status', status: 429, body: 'too many outstanding requests', times: 8 })
    t = makeSource(d.url, { LOKI_MAX_RETRIES: '6' })
    const r = await collect(t.src, DAY)
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(d.trueCount('{job=~".+"}', DAY.startNs, DAY.endNs))
    expect(await metricValue(t.metrics, M.lokiRateLimited)).toBe(8)
    expect(await metricValue(t.metrics, M.lokiRetries, { reason: 'rate_limited' })).toBe(8)
  })

  it('when its limits are stated too high, lowers the sub-queries in flight on 429 and still answers every line', async () => {
    d = await startLokiDouble({ latencyMs: 20, data: { count: 4000, startMs: NOW - 72 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_CONCURRENCY: '24', LOKI_MAX_OUTSTANDING: '24', LOKI_MAX_RETRIES: '8' })
    const range = { startNs: ns(NOW - 72 * HOUR_MS), endNs: ns(NOW) }
    const r = await collect(t.src, range)
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(4000)
    expect(d.stats.rateLimited).toBeGreaterThan(0)
    const health = await t.src.health()
    expect(health.status).toBe('degraded')
    expect(health.message).toMatch(/sub-queries in flight lowered to \d+ of 24/)
  }, 30_000)

  it('with Loki\'s limits stated, a cold 3-day query gets no 429 at all', async () => {
    d = await startLokiDouble({ latencyMs: 5, data: { count: 4000, startMs: NOW - 72 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_CONCURRENCY: '24' })
    const r = await collect(t.src, { startNs: ns(NOW - 72 * HOUR_MS), endNs: ns(NOW) })
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(4000)
    expect(d.queries().filter((q) => q.status !== 200).map((q) => q.status)).toEqual([])
  })

  it('honours Retry-After', async () => {
    d = await startLokiDouble({ data: { count: 10, startMs: NOW - HOUR_MS, endMs: NOW } })
    d.fail({ kind: 'status', status: 429, body: 'too many outstanding requests', headers: { 'retry-after': '1' }, times: 1 })
    t = makeSource(d.url)
    const r = await collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW) })
    expect(r.entries.length).toBe(10)
    // The retry of the refused request (same range and query): within an hour after a chunk boundary
    // the range is two chunks, so the next request in the log may be the other chunk's.
    const [first, ...rest] = d.queries()
    expect(first?.status).toBe(429)
    const retry = rest.find((q) => q.query === first?.query && q.startNs === first?.startNs && q.endNs === first?.endNs)
    expect(retry?.status).toBe(200)
    expect((retry?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
  })

  it('gives up at once when Retry-After points past the deadline', async () => {
    d = await startLokiDouble()
    d.fail({ kind: 'status', status: 503, body: 'overloaded', headers: { 'retry-after': '120' } })
    t = makeSource(d.url, { LOKI_DEADLINE_MS: '2000' })
    const started = Date.now()
    const err = await refusal(collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW) }))
    expect(Date.now() - started).toBeLessThan(1500)
    expect(err.statusCode).toBe(502)
    expect(err.message).toMatch(/would pass the deadline/)
  })

  it('returns what it has with complete:false when the deadline passes', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 24 * HOUR_MS, endMs: NOW } })
    const cut = ns(NOW - 12 * HOUR_MS)
    d.fail({ kind: 'hang', match: (r) => (r.endNs as bigint) <= cut })
    t = makeSource(d.url, { LOKI_DEADLINE_MS: '700', LOKI_CHUNK_TIMEOUT_MS: '60000' })
    const started = Date.now()
    const r = await collect(t.src, DAY)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(r.outcome.complete).toBe(false)
    expect(r.entries.length).toBeGreaterThan(0)
    expect(r.outcome.failedChunks.length).toBeGreaterThan(0)
    expect(r.outcome.failedChunks[0]?.reason).toMatch(/deadline of 700 ms passed/)
    expect(r.outcome.incompleteReasons[0]).toMatch(/chunks failed or were cut by the deadline/)
  })

  it('reports a partial failure in failedChunks, not as an error', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 24 * HOUR_MS, endMs: NOW } })
    const cut = ns(NOW - 12 * HOUR_MS)
    d.fail({ kind: 'status', status: 502, body: 'bad gateway', match: (r) => (r.endNs as bigint) <= cut })
    t = makeSource(d.url, { LOKI_MAX_RETRIES: '1' })
    const r = await collect(t.src, DAY)
    expect(r.outcome.complete).toBe(false)
    expect(r.outcome.failedChunks.length).toBeGreaterThan(0)
    expect(r.outcome.failedChunks[0]?.reason).toMatch(/bad gateway.*gave up after 2 attempts/)
    expect(BigInt(r.outcome.failedChunks[0]?.startNs ?? '0')).toBeLessThan(cut)
    // Windows are aligned to Loki's 1 h split and asked for two per request, paired from the 6 h
    // chunk's end: the request holding `cut` ends after it and succeeds, and a failed chunk still
    // gives the lines of the requests that succeeded. (Which pair holds `cut` depends on the hour.)
    const chunkEnd = Math.ceil((NOW - 12 * HOUR_MS) / (6 * HOUR_MS)) * 6 * HOUR_MS
    const firstGood = ns(chunkEnd - 2 * HOUR_MS * Math.ceil((chunkEnd - (NOW - 12 * HOUR_MS)) / (2 * HOUR_MS)))
    expect(r.entries.length).toBe(d.trueCount('{job=~".+"}', firstGood, DAY.endNs))
    expect(await metricValue(t.metrics, M.lokiRetries, { reason: 'server_error' })).toBeGreaterThan(0)
  })

  it('answers 503 when Loki is down, and health says down', async () => {
    const gone = await startLokiDouble()
    const url = gone.url
    await gone.close()
    t = makeSource(url, { LOKI_MAX_RETRIES: '1' })
    const err = await refusal(collect(t.src, DAY))
    expect(err.statusCode).toBe(503)
    expect(err.message).toMatch(/Loki is unreachable.*ECONNREFUSED/)
    const h = await t.src.health()
    expect(h).toMatchObject({ status: 'down', latencyMs: null })
    expect(await metricValue(t.metrics, M.lokiUp)).toBe(0)
  })

  it('answers 504 when Loki does not answer in time, and does not hang', async () => {
    d = await startLokiDouble()
    d.fail({ kind: 'hang' })
    t = makeSource(d.url, { LOKI_MAX_RETRIES: '1', LOKI_CHUNK_TIMEOUT_MS: '200' })
    const started = Date.now()
    const err = await refusal(collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW) }))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(err.statusCode).toBe(504)
    expect(err.message).toMatch(/timed out.*200 ms/)
  })

  it('surfaces a 400 from Loki as a 502 with a sanitized message', async () => {
    d = await startLokiDouble()
    d.fail({ kind: 'status', status: 400, body: 'parse error at line 1: password=hunter2 token=abcdefgh1234\n' + 'x'.repeat(2000) })
    t = makeSource(d.url)
    const err = await refusal(collect(t.src, DAY))
    expect(err.statusCode).toBe(502)
    expect(err.message).toMatch(/^Loki refused the query \(400\): parse error at line 1/)
    expect(err.message).not.toMatch(/hunter2|abcdefgh1234|\n/)
    expect(err.message.length).toBeLessThan(400)
    // Refused once per chunk at most: no retries for a query Loki will never accept.
    expect(d.queries().length).toBeLessThanOrEqual(5)
  })

  it("maps Loki 2.8's 500 'error parsing regexp' to a 400", async () => {
    d = await startLokiDouble()
    d.fail({ kind: 'status', status: 500, body: 'rpc error: code = Code(500) desc = error parsing regexp: invalid nested repetition operator: `**`' })
    t = makeSource(d.url)
    const err = await refusal(collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW), filter: { kind: 'regex', pattern: 'a', caseInsensitive: false } }))
    expect(err.statusCode).toBe(400)
    expect(err.message).toMatch(/rejected a regex.*invalid nested repetition/)
    // Not retried: one request per window (two when the hour turns within the range) and the count.
    expect(d.queries().length).toBeLessThanOrEqual(3)
  })

  it('refuses an empty range and a bad selector with clear messages', async () => {
    d = await startLokiDouble()
    t = makeSource(d.url)
    const err = await refusal(collect(t.src, { startNs: ns(NOW), endNs: ns(NOW - 1) }))
    expect(err.statusCode).toBe(400)
    expect(() => makeSource(d?.url as string, { LOKI_SELECTOR: '{job=~".*"}' })).toThrow(/^LOKI_SELECTOR: /)
    expect(() => makeSource(d?.url as string, { LOKI_SELECTOR: '{job="a"} | json' })).toThrow(/^LOKI_SELECTOR: /)
  })

  it('says complete:false when the count that proves the lines cannot be had', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 24 * HOUR_MS, endMs: NOW } })
    d.fail({ kind: 'status', status: 503, body: 'count overloaded', match: (r) => r.query.startsWith('sum(') })
    t = makeSource(d.url, { LOKI_MAX_RETRIES: '1' })
    const r = await collect(t.src, DAY)
    expect(r.outcome.complete).toBe(false)
    expect(r.outcome.incompleteReasons.join(' ')).toMatch(/could not be checked against Loki's count_over_time \(count overloaded/)
    // Every line was still fetched; only the proof is missing.
    expect(r.entries.length).toBe(d.trueCount('{job=~".+"}', DAY.startNs, DAY.endNs))
  })

  it('reports health up with the version when Loki is ready', async () => {
    d = await startLokiDouble({ version: '2.8.4' })
    t = makeSource(d.url, { LOKI_CASE_INSENSITIVE: 'auto' })
    await collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW), filter: parseSearch('/x/i') })
    const h = await t.src.health()
    expect(h.status).toBe('up')
    expect(h.message).toBe('ready (Loki 2.8.4)')
    expect(h.latencyMs).toBeGreaterThanOrEqual(0)
    expect(await metricValue(t.metrics, M.lokiUp)).toBe(1)
  })
})
