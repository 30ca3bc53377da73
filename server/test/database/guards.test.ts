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
    // Rewritten and 1 row fewer, with no delete counted: TRUNCATE (and 29 rows inserted since).
    g.update([table(29, { relfilenode: 300 })], [], at(2))
    expect(g.list()[0]).toMatchObject({ status: 'truncated', before: 30, after: 29 })
    expect(g.list()[0]?.message).toContain('of which only 0 were counted as deletes')
  })

  it('does not take a rewrite plus counted deletes for a truncate (VACUUM FULL or CLUSTER, then a DELETE)', () => {
    const g = createGuardBook(50)
    g.update([table(30, { deletes: 4 })], [], at(0))
    g.update([table(29, { relfilenode: 200, deletes: 5 })], [], at(1))
    expect(g.list()[0]).toMatchObject({ status: 'ok', after: 29 })
    // Deletes explain 2 of 3 lost rows: the third went another way.
    g.update([table(26, { relfilenode: 300, deletes: 7 })], [], at(2))
    expect(g.list()[0]).toMatchObject({ status: 'truncated', before: 29, after: 26 })
    expect(g.list()[0]?.message).toContain('lost 3 rows, of which only 2 were counted as deletes')
  })

  it('still reports a rewrite that lost most rows through counted deletes, as a collapse', () => {
    const g = createGuardBook(50)
    g.update([table(30, { deletes: 0 })], [], at(0))
    // DELETE FROM "User"; VACUUM FULL "User": the rows went by DELETE, and they are gone.
    g.update([table(0, { relfilenode: 200, deletes: 30 })], [], at(1))
    expect(g.list()[0]).toMatchObject({ status: 'collapsed', before: 30, after: 0 })
  })

  it('takes a rewrite with a loss and no delete counter (PGlite, a statistics reset) for a truncate', () => {
    const g = createGuardBook(50)
    g.update([table(30, { deletes: null })], [], at(0))
    g.update([table(29, { relfilenode: 200, deletes: null })], [], at(1))
    expect(g.list()[0]).toMatchObject({ status: 'truncated', before: 30, after: 29 })
    expect(g.list()[0]?.message).toContain('with no delete counter to explain them')
    const h = createGuardBook(50)
    h.update([table(30, { deletes: 10 })], [], at(0))
    h.update([table(29, { relfilenode: 200, deletes: 0 })], [], at(1))
    expect(h.list()[0]?.status).toBe('truncated')
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

  it('keeps the delete counter across a restart, and loads a book saved before it had one', () => {
    const a = createGuardBook(50)
    a.update([table(22, { deletes: 3 })], [], at(0))
    const b = createGuardBook(50)
    expect(b.load(a.save())).toBe(true)
    b.update([table(21, { relfilenode: 200, deletes: 4 })], [], at(1))
    expect(b.list()[0]?.status).toBe('ok')
    const old = JSON.parse(a.save()) as { baselines: Array<[string, Record<string, unknown>]> }
    for (const [, base] of old.baselines) delete base.deletes
    const c = createGuardBook(50)
    expect(c.load(JSON.stringify(old))).toBe(true)
    c.update([table(21, { relfilenode: 200, deletes: 4 })], [], at(1))
    expect(c.list()[0]?.status).toBe('truncated')
  })
})
