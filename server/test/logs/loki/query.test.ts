import { afterEach, describe, expect, it } from 'vitest'
import { parseSearch } from '../../../src/logs/filter.js'
import { M } from '../../../src/metrics/names.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { closeDouble, collect, HOUR_MS, isNewestFirst, makeSource, metricValue, ns, type TestSource } from './setup.js'

const NOW = Date.now()
const ALL = '{job=~".+"}'
let d: LokiDouble | undefined
let t: TestSource | undefined
afterEach(async () => { await t?.src.close(); const double = d; d = undefined; t = undefined; await closeDouble(double) })

describe('Loki source: complete answers', () => {
  it('returns every matching line once, newest first, with auth and tenant headers', async () => {
    d = await startLokiDouble({ tenant: 'tovplay', authorization: 'Basic ' + Buffer.from('reader:s3cret-pass').toString('base64'), data: { count: 6000, startMs: NOW - 30 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_TENANT: 'tovplay', LOKI_USERNAME: 'reader', LOKI_PASSWORD: 's3cret-pass' })
    const range = { startNs: ns(NOW - 24 * HOUR_MS), endNs: ns(NOW) }
    const r = await collect(t.src, { ...range, filter: parseSearch('/error/i') })
    expect(r.outcome).toMatchObject({ complete: true, incompleteReasons: [], failedChunks: [] })
    expect(r.entries.length).toBe(d.trueCount(`${ALL} |~ "(?i)error"`, range.startNs, range.endNs))
    expect(r.entries.length).toBeGreaterThan(100)
    expect(r.outcome.entries).toBe(r.entries.length)
    expect(isNewestFirst(r.entries)).toBe(true)
    expect(new Set(r.entries.map((e) => `${e.tsNs}${e.line}`)).size).toBe(r.entries.length)
    expect(r.entries.every((e) => e.tsNs >= range.startNs && e.tsNs < range.endNs)).toBe(true)
    // 24 h in 6 h chunks (4 or 5), fetched in 1 h windows (Loki's split interval), two at a time (in
    // one request); proven by count_over_time: the closed chunks all together by ONE sample of their
    // total (start == end, range = the closed chunks: one sub-query), the open chunk's closed windows
    // one by one (step 1 h). No chunk is counted on its own: the total agreed.
    const count = d.queries().filter((q) => q.query.startsWith('sum('))
    const fetches = d.queries().filter((q) => !q.query.startsWith('sum('))
    // The total, not the open chunk's window counts: those have a 1 h range vector, and are one sample
    // (start == end) too when the open chunk has a single closed window (an hour after a chunk begins).
    const isTotal = (q: { startNs?: bigint, endNs?: bigint, query: string }) => q.startNs === q.endNs && !q.query.endsWith('[3600s]))')
    const totals = count.filter(isTotal)
    expect(totals.length).toBe(1)
    const closedStart = range.startNs / ns(6 * HOUR_MS) * ns(6 * HOUR_MS)
    expect(totals[0]?.query).toBe(`sum(count_over_time(${ALL} |~ "(?i)error" [${((totals[0]?.endNs as bigint) - closedStart) / 1_000_000_000n}s]))`)
    expect(totals[0]?.step).toBe('21600s')
    expect(totals[0]?.subQueries).toBe(1)
    expect(count.filter((q) => q.startNs !== q.endNs).every((q) => q.query.endsWith('[3600s]))') && q.step === '3600s')).toBe(true)
    expect(fetches.length).toBeGreaterThanOrEqual(6)
    expect(fetches.every((q) => q.direction === 'backward' && q.limit === 1000)).toBe(true)
    expect(fetches.every((q) => (q.startNs as bigint) % ns(HOUR_MS) === 0n && (q.endNs as bigint) - (q.startNs as bigint) <= ns(2 * HOUR_MS))).toBe(true)
    expect(d.queries().every((q) => q.tenant === 'tovplay' && q.status === 200)).toBe(true)
    expect(r.pages).toBeGreaterThanOrEqual(4)
    expect(t.logs.join('\n')).not.toContain('s3cret-pass')
  })

  it.each([
    ['disagrees (it says 0)', { kind: 'status' as const, status: 200, body: '{"status":"success","data":{"resultType":"matrix","result":[]}}' }],
    ["is refused (the querier's max_query_length covers the range vector)", { kind: 'status' as const, status: 400, body: 'the query time range exceeds the limit (query length: 24h0m0s, limit: 12h0m0s)' }],
  ])('counts each closed chunk when the total of the closed chunks %s, and is still exact', async (_, rule) => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 30 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url)
    d.fail({ ...rule, times: 1, match: (q) => q.query.startsWith('sum(') && q.startNs === q.endNs })
    const range = { startNs: ns(NOW - 24 * HOUR_MS), endNs: ns(NOW) }
    const r = await collect(t.src, range)
    expect(r.outcome).toMatchObject({ complete: true, incompleteReasons: [] })
    expect(r.entries.length).toBe(d.trueCount(ALL, range.startNs, range.endNs))
    const count = d.queries().filter((q) => q.query.startsWith('sum('))
    // One total (the open chunk's window counts have a 1 h range vector and may be one sample too).
    expect(count.filter((q) => q.startNs === q.endNs && !q.query.endsWith('[3600s]))')).length).toBe(1)
    // Then each closed chunk is counted (step 6 h, a 6 h range vector, one sub-query per chunk).
    expect(count.some((q) => q.startNs !== q.endNs && q.step === '21600s' && q.query.endsWith('[21600s]))') && q.status === 200)).toBe(true)
  })

  it('sends a bearer token when LOKI_TOKEN is set', async () => {
    d = await startLokiDouble({ authorization: 'Bearer tok-123456789', data: { count: 100, startMs: NOW - HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_TOKEN: 'tok-123456789' })
    const r = await collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW) })
    expect(r.entries.length).toBe(100)
  })

  it('pages backward through a chunk that hits the entry limit until it is complete', async () => {
    d = await startLokiDouble({ data: { count: 2500, startMs: NOW - 5 * HOUR_MS, endMs: NOW - HOUR_MS } })
    t = makeSource(d.url, { LOKI_ENTRY_LIMIT: '300', LOKI_CHUNK_HOURS: '24' })
    const r = await collect(t.src, { startNs: ns(NOW - 6 * HOUR_MS), endNs: ns(NOW) })
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(2500)
    expect(isNewestFirst(r.entries)).toBe(true)
    const fetches = d.queries().filter((q) => !q.query.startsWith('sum('))
    expect(fetches.every((q) => q.limit === 300)).toBe(true)
    // Later pages end where the previous one's oldest entry was.
    const ends = fetches.map((q) => q.endNs as bigint)
    expect(new Set(ends).size).toBeGreaterThanOrEqual(9)
  })

  it('says complete:false and why when the extra requests run out (LOKI_MAX_SPLITS)', async () => {
    d = await startLokiDouble({ data: { count: 2500, startMs: NOW - 5 * HOUR_MS, endMs: NOW - HOUR_MS } })
    t = makeSource(d.url, { LOKI_ENTRY_LIMIT: '300', LOKI_CHUNK_HOURS: '24', LOKI_MAX_SPLITS: '2' })
    const r = await collect(t.src, { startNs: ns(NOW - 6 * HOUR_MS), endNs: ns(NOW) })
    expect(r.outcome.complete).toBe(false)
    expect(r.entries.length).toBeLessThan(2500)
    // At least the first request and its two extra pages: 3 x 300, less the one entry each later page
    // shares with the page before (a page ends just after the previous page's oldest timestamp, so
    // lines sharing that timestamp are not lost). More when the range spans two chunks.
    expect(r.entries.length).toBeGreaterThanOrEqual(898)
    expect(r.outcome.incompleteReasons.join(' ')).toMatch(/entry limit \(300\).*LOKI_MAX_SPLITS/)
    expect(await metricValue(t.metrics, M.lokiIncomplete)).toBe(1)
  })

  it('fetches again what Loki answered short (its count disagrees), and is then complete and exact', async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 30 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_INGESTION_LAG_S: '0' })
    const range = { startNs: ns(NOW - 24 * HOUR_MS), endNs: ns(NOW) }
    // The first line query of the oldest closed hour answers no lines, as a querier that missed an
    // ingester's unflushed chunk would: a 200 that is short, which only the count can reveal.
    const oldest = range.startNs / ns(HOUR_MS) * ns(HOUR_MS)
    d.fail({
      kind: 'status',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [], stats: {} } }),
      times: 1,
      match: (q) => !q.query.startsWith('sum(') && q.startNs !== undefined && q.startNs <= oldest + ns(HOUR_MS) && (q.endNs ?? 0n) > oldest,
    })
    const r = await collect(t.src, range)
    expect(r.outcome).toMatchObject({ complete: true, incompleteReasons: [] })
    expect(r.entries).toHaveLength(d.trueCount(ALL, range.startNs, range.endNs))
    expect(new Set(r.entries.map((e) => `${e.tsNs}${e.line}`)).size).toBe(r.entries.length)
    expect(await metricValue(t.metrics, M.lokiRetries, { reason: 'count_mismatch' })).toBeGreaterThanOrEqual(1)
  })

  it("stops at the caller's maxEntries with the newest entries and says so", async () => {
    d = await startLokiDouble({ data: { count: 3000, startMs: NOW - 20 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url)
    const range = { startNs: ns(NOW - 24 * HOUR_MS), endNs: ns(NOW) }
    const all = await collect(t.src, range)
    const capped = await collect(t.src, { ...range, maxEntries: 250 })
    expect(capped.entries).toHaveLength(250)
    expect(capped.outcome.complete).toBe(false)
    expect(capped.outcome.incompleteReasons.join(' ')).toMatch(/entry cap of 250/)
    expect(capped.entries.map((e) => e.tsNs)).toEqual(all.entries.slice(0, 250).map((e) => e.tsNs))
  })

  it('splits a chunk that Loki refuses as too long', async () => {
    d = await startLokiDouble({ maxQueryLengthMs: 1.5 * HOUR_MS, data: { count: 800, startMs: NOW - 12 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url)
    const range = { startNs: ns(NOW - 12 * HOUR_MS), endNs: ns(NOW) }
    const r = await collect(t.src, range)
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(d.trueCount(ALL, range.startNs, range.endNs))
    // Windows of 1 h fit; two windows in one request (2 h) and the open chunk's window counts
    // (up to 5 h) are refused and split until they fit.
    const refused = d.queries().filter((q) => q.status === 400)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((q) => (q.endNs as bigint) - (q.startNs as bigint) > ns(1.5 * HOUR_MS))).toBe(true)
    expect(d.queries().filter((q) => q.status === 200).every((q) => (q.endNs as bigint) - (q.startNs as bigint) <= ns(1.5 * HOUR_MS))).toBe(true)
  })

  it("lowers its entry limit to the server's max_entries_limit_per_query and remembers it", async () => {
    d = await startLokiDouble({ maxEntriesLimit: 1000, data: { count: 1500, startMs: NOW - 20 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_ENTRY_LIMIT: '5000' })
    const range = { startNs: ns(NOW - 20 * HOUR_MS), endNs: ns(NOW) }
    const r = await collect(t.src, range)
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(1500)
    const before = d.queries().length
    await collect(t.src, { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW) })
    expect(d.queries().slice(before).filter((q) => !q.query.startsWith('sum(')).every((q) => q.limit === 1000)).toBe(true)
  })

  it('re-reads only the open chunk on a warm repeat', async () => {
    d = await startLokiDouble({ data: { count: 5000, startMs: NOW - 7 * 24 * HOUR_MS, endMs: NOW } })
    // No ingestion lag: otherwise, in the 2 minutes after a chunk boundary, two chunks are open.
    t = makeSource(d.url, { LOKI_INGESTION_LAG_S: '0' })
    const range = { startNs: ns(NOW - 7 * 24 * HOUR_MS), endNs: ns(NOW) }
    const warnings: string[] = []
    const onWarning = (w: Error) => { warnings.push(w.name) }
    process.on('warning', onWarning)
    const cold = await collect(t.src, range).finally(() => { process.off('warning', onWarning) })
    // 168 windows wait on one deadline signal: expected listeners, not a leak warning.
    expect(warnings).not.toContain('MaxListenersExceededWarning')
    expect(cold.outcome.complete).toBe(true)
    expect(cold.entries).toHaveLength(d.trueCount(ALL, range.startNs, range.endNs))
    // One count for the closed chunks (one sub-query per chunk) and one for the open chunk's closed windows.
    expect(d.queries().filter((q) => q.query.startsWith('sum(')).length).toBeLessThanOrEqual(2)
    expect(d.queries().every((q) => q.status === 200)).toBe(true)
    const before = d.queries().length
    const openStart = ns(Math.floor(NOW / (6 * HOUR_MS)) * 6 * HOUR_MS)
    const warm = await collect(t.src, range)
    const repeat = d.queries().slice(before)
    expect(repeat.length).toBeGreaterThanOrEqual(1)
    expect(repeat.length).toBeLessThanOrEqual(6)
    expect(repeat.every((q) => (q.startNs as bigint) >= openStart)).toBe(true)
    expect(warm.entries.map((e) => e.tsNs)).toEqual(cold.entries.map((e) => e.tsNs))
    const text = await t.metrics.registry.metrics()
    expect(text).toMatch(/tovwatch_loki_chunk_duration_seconds_count\{outcome="cached"\} (2[89]|[3-9]\d)/)
    expect(text).toMatch(/tovwatch_external_call_duration_seconds_count\{target="loki",outcome="ok"\}/)
  })

  it('treats chunks that ended within LOKI_INGESTION_LAG_S as open, and re-reads them', async () => {
    d = await startLokiDouble({ data: { count: 2000, startMs: NOW - 3 * 24 * HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_INGESTION_LAG_S: String(12 * 3600) })
    const range = { startNs: ns(NOW - 3 * 24 * HOUR_MS), endNs: ns(NOW) }
    await collect(t.src, range)
    const before = d.queries().length
    await collect(t.src, range)
    const starts = d.queries().slice(before).map((q) => q.startNs as bigint)
    // The open chunk and the two or three before it that ended less than 12 h ago; none older.
    expect(new Set(starts).size).toBeGreaterThanOrEqual(3)
    for (const s of starts) expect(s).toBeGreaterThanOrEqual(ns(NOW - 18 * HOUR_MS))
  })

  it('chooses the case-insensitive form from buildinfo (auto)', async () => {
    d = await startLokiDouble({ version: null, data: { count: 300, startMs: NOW - HOUR_MS, endMs: NOW } })
    t = makeSource(d.url, { LOKI_CASE_INSENSITIVE: 'auto' })
    const range = { startNs: ns(NOW - HOUR_MS), endNs: ns(NOW) }
    const r = await collect(t.src, { ...range, filter: parseSearch('/error/i') })
    expect(d.queries().find((q) => !q.query.startsWith('sum('))?.query).toBe(`${ALL} |~ "[eE][rR][rR][oO][rR]"`)
    expect(r.entries.length).toBe(d.trueCount(`${ALL} |~ "(?i)error"`, range.startNs, range.endNs))
    await d.close()
    d = await startLokiDouble({ version: '2.9.1', data: { count: 300, startMs: NOW - HOUR_MS, endMs: NOW } })
    await t.src.close()
    t = makeSource(d.url, { LOKI_CASE_INSENSITIVE: 'auto' })
    await collect(t.src, { ...range, filter: parseSearch('/error/i') })
    expect(d.queries().find((q) => !q.query.startsWith('sum('))?.query).toBe(`${ALL} |~ "(?i)error"`)
  })

  it('creates its metrics once per registry', async () => {
    d = await startLokiDouble()
    t = makeSource(d.url)
    const second = makeSource(d.url, {}, { metrics: t.metrics })
    await second.src.close()
    const text = await t.metrics.registry.metrics()
    for (const name of [M.lokiChunkDuration, M.lokiRetries, M.lokiRateLimited, M.lokiIncomplete, M.lokiUp]) expect(text).toContain(`# TYPE ${name}`)
  })
})
