import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LiveRefresher } from '../../../src/errors/live/refresher.js'
import type { LogSource } from '../../../src/logs/source.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { KEYERROR, lokiSource, ns, peer, refresher, store, sub } from './fixtures.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the live error feed: one shared refresh of the open end', () => {
  let double: LokiDouble
  let source: LogSource
  let live: LiveRefresher | undefined
  beforeAll(async () => {
    double = await startLokiDouble({ lingerMs: 0 })
    source = lokiSource(double.url)
  })
  afterEach(async () => { await live?.stop(); live = undefined })
  afterAll(async () => { await source.close(); await double.close() })
  const asked = () => double.queries().filter((q) => q.step === undefined).length

  it('asks Loki once per refresh for 50 subscribers, for the new end only, and pushes to every one', async () => {
    const now = Date.now()
    const lines = store(double)
    lines.add([[now - 20_000, 0, 'level=error msg="payment provider timeout" order=1']])
    live = refresher({ logSource: source, intervalMs: 60_000 })
    const peers = Array.from({ length: 50 }, () => peer())
    peers.forEach((p, i) => live?.subscribe(p, sub(`s${i}`, now - 60_000)))
    const before = asked()
    await live.refresh()
    expect(asked() - before).toBe(1)
    for (const p of peers) expect(p.last()?.totals.high).toBe(1)
    const first = double.queries().at(-1)
    // Only the open end: from the oldest `since` less the lookback, never a closed chunk.
    expect(Number((first?.endNs ?? 0n) - (first?.startNs ?? 0n)) / 1e6).toBeLessThan(100_000)

    lines.add([[Date.now() - 1000, 1, 'level=error msg="payment provider timeout" order=2']])
    await live.refresh()
    expect(asked() - before).toBe(2)
    const second = double.queries().at(-1)
    // The second refresh re-reads only the overlap (30 s) before the last end.
    expect(second?.startNs).toBeGreaterThanOrEqual((first?.endNs ?? 0n) - ns(30_000))
    for (const p of peers) expect(p.last()?.totals.high).toBe(2)
  })

  it('runs one refresh per interval whatever the number of subscribers, and none without subscribers', async () => {
    store(double).add([[Date.now() - 5000, 0, 'level=error msg="x"']])
    live = refresher({ logSource: source, intervalMs: 250 })
    const before = asked()
    await sleep(800)
    expect(asked() - before).toBe(0)
    const peers = Array.from({ length: 50 }, () => peer())
    peers.forEach((p, i) => live?.subscribe(p, sub(`s${i}`, Date.now() - 10_000)))
    const started = asked()
    await sleep(1150)
    const refreshes = asked() - started
    expect(refreshes).toBeGreaterThanOrEqual(3)
    expect(refreshes).toBeLessThanOrEqual(5)
    for (const p of peers) live.leave(p)
    expect(live.subscriptions()).toBe(0)
    await sleep(300)
    const after = asked()
    await sleep(800)
    expect(asked()).toBe(after)
  })

  it('counts an event split across the refresh edge once, and one begun before `since` not at all', async () => {
    const now = Date.now()
    const since = now - 30_000
    const lines = store(double)
    const tb = (t0: number, path: string) => KEYERROR(path).map((line, i) => [t0 + i * 100, 0, line] as [number, number, string])
    const before = tb(since - 250, '/api/sessions/1/join') // 3 lines before since, 2 after
    const split = tb(now - 10_000, '/api/sessions/2/join')
    // First refresh: the second traceback has only arrived up to its File line.
    lines.add([...before, ...split.slice(0, 3)])
    live = refresher({ logSource: source, intervalMs: 60_000 })
    const p = peer()
    live.subscribe(p, sub('a', since))
    await live.refresh()
    expect(p.last()?.totals).toEqual({ critical: 0, high: 1, medium: 0, low: 0 })
    // The rest arrives: still one event, now keyed by its exception.
    lines.add(split.slice(3))
    await live.refresh()
    const tail = p.last()
    expect(tail?.totals).toEqual({ critical: 0, high: 1, medium: 0, low: 0 })
    expect(tail?.groups.map((g) => [g.count, g.signature?.exceptionType])).toEqual([[1, 'KeyError']])
    expect(tail?.series.high.reduce((a, b) => a + b, 0)).toBe(1)
    // A third traceback, then an unchanged refresh: nothing new is sent.
    lines.add(tb(Date.now() - 2000, '/api/sessions/3/join'))
    await live.refresh()
    expect(p.last()?.groups.map((g) => g.count)).toEqual([2])
    const sent = p.frames.length
    await live.refresh()
    expect(p.frames.length).toBe(sent)
  })

  it('honours each subscriber\'s search and severity: one query per distinct search, severity costs none', async () => {
    const now = Date.now()
    store(double).add([
      [now - 9000, 0, 'level=error msg="connect ECONNREFUSED 10.0.0.1:5432"'],
      [now - 5000, 0, 'level=error msg="payment provider timeout"'],
      [now - 7000, 1, '2026-11-22 02:05:10.123 UTC [91] FATAL:  database "TovPlay" does not exist'],
    ])
    live = refresher({ logSource: source, intervalMs: 60_000 })
    const all = peer()
    const search = peer()
    const critical = peer()
    live.subscribe(all, sub('all', now - 20_000))
    live.subscribe(search, sub('q', now - 20_000, { q: 'ECONNREFUSED' }))
    live.subscribe(critical, sub('crit', now - 20_000, { minSeverity: 'critical' }))
    const before = asked()
    await live.refresh()
    expect(asked() - before).toBe(2)
    expect(double.queries().slice(-2).some((q) => q.query.includes('|= "ECONNREFUSED"'))).toBe(true)
    expect(all.last()?.groups.map((g) => [g.severity, g.count])).toEqual([['critical', 1], ['high', 2]])
    expect(search.last()?.groups.map((g) => [g.severity, g.count, g.samples[0]?.line])).toEqual([['high', 1, expect.stringContaining('ECONNREFUSED')]])
    expect(search.last()?.totals).toMatchObject({ critical: 0, high: 1 })
    expect(critical.last()?.groups.map((g) => g.severity)).toEqual(['critical'])
    // Totals are counted whatever minSeverity groups, as in the feed.
    expect(critical.last()?.totals).toEqual(all.last()?.totals)
  })

  it('tells a subscriber whose tail is older than kept to reload (rebase), and refuses past the limit', async () => {
    let clock = Date.now()
    live = refresher({ logSource: source, intervalMs: 60_000, maxTailMs: 60_000, maxSubscriptions: 1, now: () => clock })
    const p = peer()
    live.subscribe(p, sub('old', clock - 30_000))
    const q = peer()
    expect(live.subscribe(q, sub('two', clock))).toBe(false)
    expect(q.frames[0]).toMatchObject({ type: 'errors.live.refused', reason: 'limit' })
    clock += 60_000
    await live.refresh()
    expect(p.frames.at(-1)).toMatchObject({ type: 'errors.live.refused', id: 'old', reason: 'rebase', field: 'since' })
    expect(live.subscriptions()).toBe(0)
  })

  it('caps distinct searches (each costs Loki a query per refresh), and counts what a socket holds after it ended some itself', async () => {
    live = refresher({ logSource: source, intervalMs: 60_000, maxSearches: 2 })
    const p = peer()
    const now = Date.now()
    expect(live.subscribe(p, sub('a', now - 10_000, { q: 'one' }))).toBe(true)
    expect(live.subscribe(p, sub('b', now - 10_000, { q: 'two' }))).toBe(true)
    // Same search as 'a': shared, no new Loki query, so not refused.
    expect(live.subscribe(p, sub('c', now - 10_000, { q: 'one' }))).toBe(true)
    expect(live.subscribe(p, sub('d', now - 10_000, { q: 'three' }))).toBe(false)
    expect(p.frames.at(-1)).toMatchObject({ type: 'errors.live.refused', id: 'd', reason: 'limit', field: 'q' })
    expect(live.held(p)).toBe(3)
    expect(live.has(p, 'c')).toBe(true)
    live.unsubscribe(p, 'c')
    expect(live.held(p)).toBe(2)
    expect(live.has(p, 'c')).toBe(false)
  })
})
