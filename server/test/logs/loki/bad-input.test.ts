/**
 * The "Bad input" of issue #10 against the realistic double: searches of 1, 1,000 and 5,000
 * bytes, multi-byte searches near the size limit, a Loki that answers "input size too long"
 * unexpectedly, a Loki that 429s everything for 30 s, and version strings that are empty,
 * `main-abc123` or a lying `3.9.0`. Each either answers exactly or refuses with a clear 4xx.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createClassifier } from '../../../src/errors/classifier.js'
import { anySeverity } from '../../../src/errors/feed.js'
import { loadRules } from '../../../src/errors/rules.js'
import { parseSearch, SearchError } from '../../../src/logs/filter.js'
import { LogQueryError } from '../../../src/logs/source.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { closeDouble, collect, HOUR_MS, makeSource, ns, type TestSource } from './setup.js'

const NOW = Date.now()
const ALL = '{job=~".+"}'
const RANGE = { startNs: ns(NOW - 3 * HOUR_MS), endNs: ns(NOW) }
const DATA = { count: 1500, startMs: NOW - 3 * HOUR_MS, endMs: NOW }
const include = anySeverity(createClassifier(loadRules()).unions)
let d: LokiDouble | undefined
let t: TestSource | undefined
afterEach(async () => { await t?.src.close(); const double = d; d = undefined; t = undefined; await closeDouble(double) })

const refusal = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(LogQueryError)
  return err as LogQueryError
}

describe('searches near the query-size limit', () => {
  it('answers a 1-byte and a 1,000-byte search exactly; refuses a 5,000-byte one before anything is sent', async () => {
    d = await startLokiDouble({ data: DATA })
    t = makeSource(d.url)
    const one = await collect(t.src, { ...RANGE, filter: parseSearch('e'), include })
    expect(one.outcome.complete).toBe(true)
    expect(one.entries.length).toBe(d.trueCount(`${ALL} |= "e"`, RANGE.startNs, RANGE.endNs))
    const long = 'level=info msg="'.padEnd(1000, 'x')
    const thousand = await collect(t.src, { ...RANGE, filter: parseSearch(long), include })
    expect(thousand.outcome.complete).toBe(true)
    expect(thousand.entries).toEqual([])
    expect(d.queries().every((q) => Buffer.byteLength(q.query) < 5120 && q.status === 200)).toBe(true)
    expect(() => parseSearch('x'.repeat(5000))).toThrow(SearchError)
    expect(() => parseSearch('x'.repeat(5000))).toThrow(/5000 characters long; the limit is 1000/)
  })

  it('counts bytes: 1,000 three-byte characters fit 5,120 bytes; after Loki names a smaller limit, they get a 400 that says by how much', async () => {
    d = await startLokiDouble({ data: DATA })
    t = makeSource(d.url)
    const euros = await collect(t.src, { ...RANGE, filter: parseSearch('€'.repeat(1000)) })
    expect(euros.outcome.complete).toBe(true)
    expect(d.queries().every((q) => q.status === 200)).toBe(true)
    // The same Loki now refuses 3,000 bytes or more (its version said otherwise).
    d.setOptions({ maxQuerySize: 3000 })
    const before = d.queries().length
    const err = await refusal(collect(t.src, { ...RANGE, filter: parseSearch('€'.repeat(1000)) }))
    expect(err.statusCode).toBe(400)
    expect(err.message).toMatch(/too long for this Loki: with it, the query is 3,0\d\d bytes .* accepts less than 3,000; shorten the search by at least \d+ bytes/)
    expect(d.queries().slice(before).filter((q) => q.status === 400).length).toBeGreaterThanOrEqual(1)
    d.takeParseErrors()
    // Learnt from the refusal: the next search that fits is built for it and answered exactly.
    const after = d.queries().length
    const fits = await collect(t.src, { ...RANGE, filter: parseSearch('€'.repeat(900)) })
    expect(fits.outcome.complete).toBe(true)
    expect(d.queries().slice(after).every((q) => q.status === 200 && Buffer.byteLength(q.query) < 3000)).toBe(true)
  })
})

describe("versions that do not tell Loki's limit", () => {
  for (const version of ['', 'main-abc123']) {
    it(`version "${version}": assumes 5,120 bytes, never sends more, answers exactly`, async () => {
      d = await startLokiDouble({ version, data: DATA })
      t = makeSource(d.url)
      const r = await collect(t.src, { ...RANGE, include })
      expect(r.outcome.complete).toBe(true)
      expect(r.entries.length).toBe(d.trueCount(ALL, RANGE.startNs, RANGE.endNs))
      expect(d.queries().every((q) => Buffer.byteLength(q.query) < 5120 && q.status === 200)).toBe(true)
    })
  }

  it('version "3.9.0" that still refuses 5,120 bytes: the 400 teaches the limit, the query is rebuilt, the answer is exact', async () => {
    d = await startLokiDouble({ version: '3.9.0', maxQuerySize: 5120, data: DATA })
    t = makeSource(d.url)
    const r = await collect(t.src, { ...RANGE, include })
    expect(r.outcome.complete).toBe(true)
    expect(r.entries.length).toBe(d.trueCount(ALL, RANGE.startNs, RANGE.endNs))
    const refused = d.queries().filter((q) => q.status === 400)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((q) => Buffer.byteLength(q.query) >= 5120)).toBe(true)
    // Later queries are built for the learnt limit from the start.
    const before = d.queries().length
    await collect(t.src, { ...RANGE, include })
    expect(d.queries().slice(before).every((q) => q.status === 200)).toBe(true)
    d.takeParseErrors()
  })

  it('a real 3.x (131,072 bytes) gets the severity rules at Loki, with the same answer as classified here', async () => {
    d = await startLokiDouble({ version: '3.0.0', data: DATA })
    t = makeSource(d.url)
    const r = await collect(t.src, { ...RANGE, include })
    expect(r.outcome.complete).toBe(true)
    expect(d.queries().some((q) => Buffer.byteLength(q.query) > 5120)).toBe(true)
    const classifier = createClassifier(loadRules())
    const all = await collect(makeSource(d.url, { LOKI_CASE_INSENSITIVE: 'inline' }).src, RANGE)
    const severe = all.entries.filter((e) => classifier.classify(e.line) !== 'none' && classifier.classify(e.line) !== 'noise').length
    const severeHere = r.entries.filter((e) => classifier.classify(e.line) !== 'none' && classifier.classify(e.line) !== 'noise').length
    expect(severeHere).toBe(severe)
  })
})

describe('a Loki that answers 429 to everything for 30 s', () => {
  it('bounds its request rate during the storm and answers exactly after it', async () => {
    d = await startLokiDouble({ data: DATA })
    d.fail({ kind: 'status', status: 429, body: 'too many outstanding requests', headers: { 'content-type': 'application/json; charset=UTF-8' } })
    const stormEnds = Date.now() + 30_000
    const timer = setTimeout(() => d?.clearFailures(), 30_000)
    t = makeSource(d.url, { LOKI_MAX_RETRIES: '20', LOKI_DEADLINE_MS: '50000' })
    try {
      const r = await collect(t.src, { ...RANGE, include })
      const during = d.queries().filter((q) => q.at < stormEnds)
      // About one probe per linger (3.5 s), never a flood: at most a few requests per second.
      expect(during.length).toBeLessThanOrEqual(30)
      expect(r.outcome.complete).toBe(true)
      expect(r.entries.length).toBe(d.trueCount(ALL, RANGE.startNs, RANGE.endNs))
    } finally {
      clearTimeout(timer)
    }
  }, 60_000)
})
