import { afterEach, describe, expect, it } from 'vitest'
import { LogQueryError } from '../../../src/logs/source.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { HOUR_MS, makeSource, ns, type TestSource } from './setup.js'

const NOW = Math.floor(Date.now() / 1000) * 1000
let d: LokiDouble | undefined
let t: TestSource | undefined
afterEach(async () => { await t?.src.close(); await d?.close(); d = undefined; t = undefined })

describe('Loki source: series', () => {
  it('counts per step and bucket exactly, aligned, with zeros where Loki has no sample', async () => {
    // Lines only in the first 4 of 6 hours: the last steps must be zeros, not missing.
    d = await startLokiDouble({ data: { count: 5000, startMs: NOW - 6 * HOUR_MS, endMs: NOW - 2 * HOUR_MS } })
    t = makeSource(d.url, { LOKI_ENTRY_LIMIT: '100' })
    const startMs = NOW - 6 * HOUR_MS
    const s = await t.src.series({
      startNs: ns(startMs),
      endNs: ns(NOW),
      stepSeconds: 600,
      buckets: [{ name: 'errors', include: '(?i)error' }, { name: 'noise', include: 'GET /health', exclude: 'kube' }],
    })
    expect(s.complete).toBe(true)
    expect(s.timestamps).toHaveLength(36)
    expect(s.timestamps[0]).toBe(startMs)
    expect(s.timestamps[1]).toBe(startMs + 600_000)
    const errors = s.values.errors as number[]
    expect(errors).toHaveLength(36)
    for (let i = 0; i < 36; i++) {
      // Step i counts (start + i·step, start + (i+1)·step].
      const from = ns(startMs + i * 600_000) + 1n
      const to = ns(startMs + (i + 1) * 600_000) + 1n
      expect(errors[i], `step ${i}`).toBe(d.trueCount('{job=~".+"} |~ "(?i)error"', from, to))
    }
    expect(errors.slice(-12).every((v) => v === 0)).toBe(true)
    expect(errors.reduce((a, b) => a + b, 0)).toBeGreaterThan(100)
    expect(s.values.noise?.every((v) => v === 0)).toBe(true)
    expect(d.queries().every((q) => q.step === '600s' && /^sum\(count_over_time\(/.test(q.query))).toBe(true)
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
