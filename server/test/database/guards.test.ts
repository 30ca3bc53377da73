import { describe, expect, it } from 'vitest'
import { createGuardBook } from '../../src/database/guards.js'
import type { TableSample } from '../../src/database/types.js'

const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, min))
function table (rows: number | null, over: Partial<TableSample> = {}): TableSample {
  return {
    oid: 100,
    schema: 'public',
    name: 'User',
    key: 'User',
    watched: true,
    relfilenode: 100,
    estimatedRows: rows,
    exactRows: rows,
    exactUnavailable: null,
    liveTuples: rows,
    inserts: 50,
    updates: 0,
    deletes: 0,
    totalBytes: 8192,
    lastVacuum: null,
    lastAnalyze: null,
    ...over,
  }
}

describe('row-collapse guard', () => {
  it('keeps the first level and time through further falls, and recovers only at that level', () => {
    const g = createGuardBook(50)
    g.update([table(22)], [], at(0))
    g.update([table(10)], [], at(1))
    expect(g.list()[0]).toMatchObject({ status: 'collapsed', before: 22, after: 10, at: at(1).toISOString() })
    g.update([table(0)], [], at(2))
    expect(g.list()[0]).toMatchObject({ status: 'collapsed', before: 22, after: 0, at: at(1).toISOString() })
    g.update([table(15)], [], at(3))
    expect(g.list()[0]).toMatchObject({ status: 'collapsed', after: 15 })
    g.update([table(22)], [], at(4))
    expect(g.list()[0]).toMatchObject({ status: 'ok', before: 22, after: 22 })
  })

  it('does not take a statistics reset for a collapse', () => {
    const g = createGuardBook(50)
    g.update([table(1000, { exactRows: null })], [], at(0))
    // pg_stat_reset(): live tuples and counters go to 0, the rows are still there.
    g.update([table(null, { exactRows: null, liveTuples: 0, inserts: 0, estimatedRows: 1000 })], [], at(1))
    expect(g.list()[0]?.status).toBe('ok')
  })

  it('tells truncate (new relfilenode) from a rewrite that kept the rows (VACUUM FULL)', () => {
    const g = createGuardBook(50)
    g.update([table(30)], [], at(0))
    g.update([table(30, { relfilenode: 200 })], [], at(1))
    expect(g.list()[0]?.status).toBe('ok')
    g.update([table(29, { relfilenode: 300 })], [], at(2))
    expect(g.list()[0]).toMatchObject({ status: 'truncated', before: 30, after: 29 })
  })

  it('marks a missing table, then a recreated one, and an admin reset makes the level the new normal', () => {
    const g = createGuardBook(50)
    g.update([table(5)], [], at(0))
    g.update([], ['User'], at(1))
    expect(g.list()[0]).toMatchObject({ status: 'missing', before: 5 })
    g.update([table(0, { oid: 999 })], [], at(2))
    expect(g.list()[0]).toMatchObject({ status: 'recreated', before: 5, after: 0 })
    g.update([table(0, { oid: 999 })], [], at(3))
    expect(g.list()[0]?.status).toBe('recreated')
    expect(g.reset('User')).toBe(true)
    expect(g.reset('nope')).toBe(false)
    g.update([table(0, { oid: 999 })], [], at(4))
    expect(g.list()[0]?.status).toBe('ok')
  })

  it('ignores a fall smaller than the threshold, and growth', () => {
    const g = createGuardBook(50)
    g.update([table(100)], [], at(0))
    g.update([table(51)], [], at(1))
    g.update([table(500)], [], at(2))
    expect(g.list()[0]?.status).toBe('ok')
    g.update([table(250)], [], at(3))
    expect(g.list()[0]).toMatchObject({ status: 'collapsed', before: 500, after: 250 })
  })

  it('saves and loads its state, and rejects garbage', () => {
    const a = createGuardBook(50)
    a.update([table(22)], [], at(0))
    const b = createGuardBook(50)
    expect(b.load('{"v":2}')).toBe(false)
    expect(b.load('not json')).toBe(false)
    expect(b.load(a.save())).toBe(true)
    b.update([table(0)], [], at(5))
    expect(b.list()[0]).toMatchObject({ status: 'collapsed', before: 22, after: 0 })
  })
})
