import { describe, expect, it } from 'vitest'
import { changes, dropWithin, valueAt } from '../../../src/database/history/changes.js'
import { loadHistoryConfig } from '../../../src/database/history/config.js'
import { withGaps } from '../../../src/database/history/store.js'

const H = 3_600_000
const now = 100 * 24 * H

describe('table changes over 1 h, 24 h and 7 d', () => {
  const points = [
    { t: now - 7 * 24 * H - 60_000, v: 50 },
    { t: now - 24 * H - 60_000, v: 40 },
    { t: now - H - 60_000, v: 30 },
    { t: now, v: 25 },
  ]
  it('subtracts the value the table had then from the latest', () => {
    expect(changes(points, now, 25)).toEqual({ '1h': -5, '24h': -15, '7d': -25 })
  })
  it('says null, not 0, when the history does not reach back that far', () => {
    expect(changes(points.slice(2), now, 25)).toEqual({ '1h': -5, '24h': null, '7d': null })
  })
  it('says null when TovWatch was down around that time (the point before is too old)', () => {
    expect(valueAt([{ t: now - 3 * H, v: 1 }, { t: now, v: 2 }], now - H, 15 * 60_000)).toBeNull()
  })
})

describe('row drop within the window', () => {
  const rule = { pct: 10, rows: undefined, windowMs: H }
  it('finds the 25 → 20 loss (−20 %) that one probe delta hides', () => {
    const pts = [{ t: now - 50 * 60_000, v: 25 }, { t: now - 40 * 60_000, v: 15 }, { t: now - 30 * 60_000, v: 20 }, { t: now, v: 20 }]
    expect(dropWithin(pts, now, rule)).toEqual({ from: 25, to: 20, rows: 5, pct: 20, fromAt: now - 50 * 60_000 })
  })
  it('ignores a loss at or below the percentage, and a high outside the window', () => {
    expect(dropWithin([{ t: now - 10 * 60_000, v: 100 }, { t: now, v: 90 }], now, rule)).toBeNull()
    expect(dropWithin([{ t: now - 2 * H, v: 100 }, { t: now, v: 10 }], now, rule)).toBeNull()
  })
  it('warns on ROW_DROP_WARN_ROWS alone for a big table', () => {
    const pts = [{ t: now - 10 * 60_000, v: 1_000_000 }, { t: now, v: 999_000 }]
    expect(dropWithin(pts, now, rule)).toBeNull()
    expect(dropWithin(pts, now, { ...rule, rows: 500 })).toMatchObject({ rows: 1000 })
  })
})

describe('gaps', () => {
  it('puts a null between points further apart than the limit, never a zero', () => {
    const g = withGaps([{ t: 0, v: 5 }, { t: 15_000, v: 6 }, { t: 600_000, v: 7 }], 40_000)
    expect(g.values).toEqual([5, 6, null, 7])
    expect(g.timestamps).toHaveLength(4)
  })
})

describe('history variables', () => {
  it('has the issue\'s defaults', () => {
    expect(loadHistoryConfig({})).toEqual({ dropWarnPct: 10, dropWarnRows: undefined, dropWindowMs: H })
  })
  it('names the variable of a bad value', () => {
    expect(() => loadHistoryConfig({ ROW_DROP_WINDOW: '3 weeks' })).toThrow(/^ROW_DROP_WINDOW:/)
    expect(() => loadHistoryConfig({ ROW_DROP_WINDOW: '2d' })).toThrow(/^ROW_DROP_WINDOW:/)
    expect(() => loadHistoryConfig({ ROW_DROP_WARN_PCT: '0' })).toThrow(/^ROW_DROP_WARN_PCT:/)
  })
})
