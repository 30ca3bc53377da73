import { describe, expect, it } from 'vitest'
import { formatSorts, nextSort, parseSorts, sortRows, type Column } from '../src/sort-table.js'
import { formatHash, parseHash } from '../src/url-state.js'

interface Row { name: string, rows: number | null }
const cols: Array<Column<Row>> = [
  { key: 'name', label: 'Table', value: (r) => r.name },
  { key: 'rows', label: 'Rows', num: true, value: (r) => r.rows },
]
const data: Row[] = [{ name: 'games', rows: 5 }, { name: 'User', rows: null }, { name: 'players', rows: 25 }, { name: 'audit_log', rows: 5 }]

describe('sortable tables', () => {
  it('sorts by any column, either way, with unknown values last and ties in their order', () => {
    expect(sortRows(data, cols, { key: 'rows', dir: 'desc' }).map((r) => r.name)).toEqual(['players', 'games', 'audit_log', 'User'])
    expect(sortRows(data, cols, { key: 'rows', dir: 'asc' }).map((r) => r.name)).toEqual(['games', 'audit_log', 'players', 'User'])
    expect(sortRows(data, cols, { key: 'name', dir: 'asc' }).map((r) => r.name)).toEqual(['audit_log', 'games', 'players', 'User'])
    expect(sortRows(data, cols, undefined)).toEqual(data)
  })
  it('starts numbers descending and text ascending, and flips on a second click', () => {
    expect(nextSort(cols, undefined, 'rows')).toEqual({ key: 'rows', dir: 'desc' })
    expect(nextSort(cols, undefined, 'name')).toEqual({ key: 'name', dir: 'asc' })
    expect(nextSort(cols, { key: 'name', dir: 'asc' }, 'name')).toEqual({ key: 'name', dir: 'desc' })
  })
  it('keeps every table\'s sort in the URL and ignores junk', () => {
    const m = parseSorts('tables:c24h:asc,sessions:for:desc,bad,<x>:y:asc')
    expect([...m.keys()]).toEqual(['tables', 'sessions'])
    const hash = formatHash({ ...parseHash('#/database'), sort: formatSorts(m), table: 'User', tableRange: '7d' })
    expect(hash).toBe('#/database?sort=tables%3Ac24h%3Aasc%2Csessions%3Afor%3Adesc&table=User&trange=7d')
    expect(parseHash(hash)).toMatchObject({ view: 'database', sort: 'tables:c24h:asc,sessions:for:desc', table: 'User', tableRange: '7d' })
  })
})
