import { describe, expect, it } from 'vitest'
import { rangeOf } from '../src/components/tw-range-picker.js'
import { mergeTail, type LiveTail } from '../src/live-merge.js'
import type { ErrorGroup, ErrorsResponse } from '../src/types.js'

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
