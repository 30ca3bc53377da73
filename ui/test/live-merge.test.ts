import { describe, expect, it } from 'vitest'
import { rangeOf } from '../src/components/tw-range-picker.js'
import { mergeTail, type LiveTail } from '../src/live-merge.js'
import { ErrorsLiveController } from '../src/components/errors-live.js'
import type { ErrorGroup, ErrorsResponse, GroupLifecycle } from '../src/types.js'

const T0 = Date.parse('2026-11-22T02:00:00Z')
const group = (fingerprint: string, severity: ErrorGroup['severity'], count: number): ErrorGroup => ({
  fingerprint, template: fingerprint, labels: {}, severity, count, firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0).toISOString(), samples: [], sparkline: [0, count],
})
const base: ErrorsResponse = {
  source: 'loki',
  measuredAt: new Date(T0 + 600_000).toISOString(),
  range: { start: new Date(T0).toISOString(), end: new Date(T0 + 600_000).toISOString() },
  complete: true,
  incompleteReasons: [],
  failedChunks: [],
  totals: { critical: 1, high: 5, medium: 0, low: 0 },
  groups: [group('db', 'critical', 1), group('pay', 'high', 3), group('mail', 'high', 2)],
  // 5-minute steps: (T0, T0+5m], (T0+5m, T0+10m]
  series: { stepSeconds: 300, timestamps: [T0, T0 + 300_000], critical: [0, 1], high: [2, 3], medium: [0, 0], low: [0, 0] },
}
const tail = (groups: ErrorGroup[], steps: Array<[number, number]>): LiveTail => ({
  type: 'errors.live',
  id: 'e1',
  since: base.range.end,
  end: new Date(T0 + 900_000).toISOString(),
  complete: true,
  incompleteReasons: [],
  totals: { critical: 0, high: steps.reduce((a, [, n]) => a + n, 0), medium: 0, low: 0 },
  groups,
  series: { stepSeconds: 60, timestamps: steps.map(([t]) => t), critical: steps.map(() => 0), high: steps.map(([, n]) => n), medium: steps.map(() => 0), low: steps.map(() => 0) },
})

describe('mergeTail: the answer plus its live tail', () => {
  it('adds counts to known groups in place, puts a new group first among its severity, and adds steps into the chart', () => {
    const merged = mergeTail(base, tail([group('mail', 'high', 2), group('cache', 'high', 1)], [[T0 + 600_000, 1], [T0 + 660_000, 2]]))
    expect(merged.groups.map((g) => [g.fingerprint, g.count])).toEqual([['db', 1], ['cache', 1], ['pay', 3], ['mail', 4]])
    expect(merged.totals).toEqual({ critical: 1, high: 8, medium: 0, low: 0 })
    // The tail's steps (T0+10m, T0+11m] and (T0+11m, T0+12m] fall in a new 5-minute step (T0+10m, T0+15m].
    expect(merged.series.timestamps).toEqual([T0, T0 + 300_000, T0 + 600_000])
    expect(merged.series.high).toEqual([2, 3, 3])
    expect(merged.range.end).toBe(new Date(T0 + 900_000).toISOString())
  })

  it('never counts twice: a newer tail replaces the older one on the same answer', () => {
    mergeTail(base, tail([group('pay', 'high', 1)], [[T0 + 600_000, 1]]))
    const merged = mergeTail(base, tail([group('pay', 'high', 2)], [[T0 + 600_000, 2]]))
    expect(merged.groups.find((g) => g.fingerprint === 'pay')?.count).toBe(5)
    expect(merged.totals.high).toBe(7)
    expect(base.groups.find((g) => g.fingerprint === 'pay')?.count).toBe(3)
  })
})

const lc = (o: Partial<GroupLifecycle> = {}): GroupLifecycle => ({
  firstSeenEver: new Date(T0 - 86_400_000).toISOString(), lastSeenEver: new Date(T0).toISOString(), new: false, regressed: false, resolved: null, muted: null, audit: [], ...o,
})
const MUTE = { at: new Date(T0).toISOString(), by: 'ana', until: null }

describe('mergeTail: the lifecycle of live groups', () => {
  const withLc: ErrorsResponse = { ...base, groups: base.groups.map((g) => ({ ...g, lifecycle: lc({ new: g.fingerprint === 'db', resolved: g.fingerprint === 'pay' ? { at: new Date(T0).toISOString(), by: 'ben' } : null, audit: g.fingerprint === 'pay' ? [{ at: new Date(T0).toISOString(), by: 'ben', action: 'resolve', detail: '' }] : [] }) })), muted: { groups: 1, events: 4, shown: false } }

  it('takes the tail\'s badges (a resolved group back is regressed), keeps new within the page and the answer\'s audit', () => {
    const merged = mergeTail(withLc, tail([
      { ...group('pay', 'high', 1), lifecycle: lc({ regressed: true }) },
      { ...group('db', 'critical', 1), lifecycle: lc() },
      { ...group('cache', 'high', 1), lifecycle: lc({ new: true }) },
    ], [[T0 + 600_000, 3]]))
    const by = new Map(merged.groups.map((g) => [g.fingerprint, g.lifecycle]))
    expect(by.get('pay')).toMatchObject({ regressed: true, resolved: null, audit: [{ by: 'ben', action: 'resolve' }] })
    expect(by.get('db')?.new).toBe(true)
    expect(by.get('cache')?.new).toBe(true)
  })

  it('never shows a muted group on a page that hides them, and adds the tail\'s muted events', () => {
    const t = { ...tail([{ ...group('mail', 'high', 2), lifecycle: lc({ muted: MUTE }) }, { ...group('spam', 'high', 5), lifecycle: lc({ muted: MUTE }) }], [[T0 + 600_000, 7]]), muted: { groups: 2, events: 7, shown: false } }
    const merged = mergeTail(withLc, t)
    expect(merged.groups.map((g) => g.fingerprint)).toEqual(['db', 'pay'])
    expect(merged.muted).toEqual({ groups: 2, events: 11, shown: false })
    // muted=include: both shown, with their badge.
    const shown = mergeTail({ ...withLc, muted: { groups: 0, events: 0, shown: true } }, { ...t, muted: { ...t.muted, shown: true } })
    expect(shown.groups.map((g) => [g.fingerprint, g.lifecycle?.muted?.by])).toEqual([['db', undefined], ['spam', 'ana'], ['pay', undefined], ['mail', 'ana']])
  })

  it('a group muted on this page stays gone when a tail computed before the mute still carries it', () => {
    let shown: ErrorsResponse | undefined
    const live = new ErrorsLiveController({ addController: () => {} } as never, { tail: (m) => { shown = m }, reload: () => {} })
    let frame: ((f: LiveTail) => void) | undefined
    const ctx = { live: { subscribe: (_q: unknown, on: (f: LiveTail) => void) => { frame = on; return () => {} } } }
    live.follow(ctx as never, { range: '1h', end: '', minSeverity: 'high', q: '', showMuted: false } as never, withLc)
    live.applyLifecycle({ fingerprint: 'pay', template: 'pay', severity: 'high', lifecycle: lc({ muted: MUTE }) })
    // The server read the lifecycle before the mute: its tail has 'pay' unmuted.
    frame?.(tail([{ ...group('pay', 'high', 1), lifecycle: lc() }], [[T0 + 600_000, 1]]))
    expect(shown?.groups.map((g) => g.fingerprint)).toEqual(['db', 'mail'])
  })

  it('subscribes with muted=include when the page shows muted groups, and without it otherwise', () => {
    const queries: object[] = []
    const live = new ErrorsLiveController({ addController: () => {} } as never, { tail: () => {}, reload: () => {} })
    const ctx = { live: { subscribe: (q: object) => { queries.push(q); return () => {} } } }
    live.follow(ctx as never, { range: '1h', end: '', minSeverity: 'high', q: '', showMuted: true } as never, withLc)
    live.follow(ctx as never, { range: '1h', end: '', minSeverity: 'high', q: '', showMuted: false } as never, withLc)
    expect(queries).toEqual([{ since: withLc.range.end, minSeverity: 'high', muted: 'include' }, { since: withLc.range.end, minSeverity: 'high' }])
  })
})

describe('rangeOf: the range picker\'s From and To', () => {
  const NOW = T0
  it('keeps now-N … now relative, and anything else as a fixed window', () => {
    expect(rangeOf('now-15m', 'now', 7, NOW)).toEqual({ patch: { range: '15m', start: '', end: '' } })
    expect(rangeOf('now-48h', 'now', 7, NOW)).toEqual({ patch: { range: '2d', start: '', end: '' } })
    expect(rangeOf('now-6h', 'now-1h', 7, NOW)).toEqual({ patch: { range: 'custom', start: 'now-6h', end: 'now-1h' } })
    expect(rangeOf('2026-11-21 02:00Z', 'now', 7, NOW)).toEqual({ patch: { range: 'custom', start: '2026-11-21T02:00:00.000Z', end: 'now' } })
  })
  it('says which field is wrong and why', () => {
    expect(rangeOf('yesterday', 'now', 7, NOW)).toMatchObject({ field: 'from', error: expect.stringContaining('From: "yesterday" is not a time') })
    expect(rangeOf('now-1h', 'soon', 7, NOW)).toMatchObject({ field: 'to' })
    expect(rangeOf('now-1h', 'now-2h', 7, NOW)).toEqual({ field: 'from', error: 'From must be before To' })
    expect(rangeOf('now-8d', 'now', 7, NOW)).toMatchObject({ field: 'from', error: expect.stringContaining('the longest is 7 days') })
  })
})
