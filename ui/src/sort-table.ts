import { html, type TemplateResult } from 'lit'

/** One column of a sortable table: how to read its value (for sorting) and how to show it. */
export interface Column<R> {
  key: string
  label: string
  num?: boolean
  value: (r: R) => string | number | null
  cell?: (r: R) => unknown
  cls?: (r: R) => string
}
export interface Sort { key: string, dir: 'asc' | 'desc' }

/** `tables:rows:desc,apps:count:asc` ↔ per-table sorts (the `sort` of the URL). */
export function parseSorts (raw: string): Map<string, Sort> {
  const m = new Map<string, Sort>()
  for (const part of raw.split(',')) {
    const [table, key, dir] = part.split(':')
    if (table && key && /^[\w-]{1,40}$/.test(table) && /^[\w-]{1,40}$/.test(key)) m.set(table, { key, dir: dir === 'asc' ? 'asc' : 'desc' })
  }
  return m
}
export function formatSorts (m: ReadonlyMap<string, Sort>): string {
  return [...m].map(([t, s]) => `${t}:${s.key}:${s.dir}`).join(',')
}

/** A stable sort by one column; empty values (null, '') always last. */
export function sortRows<R> (rows: readonly R[], columns: ReadonlyArray<Column<R>>, sort: Sort | undefined): R[] {
  const col = columns.find((c) => c.key === sort?.key)
  if (col === undefined || sort === undefined) return [...rows]
  const sign = sort.dir === 'asc' ? 1 : -1
  return rows.map((r, i) => ({ r, i, v: col.value(r) })).sort((a, b) => {
    const ae = a.v === null || a.v === ''
    const be = b.v === null || b.v === ''
    if (ae || be) return ae === be ? a.i - b.i : ae ? 1 : -1
    const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), undefined, { numeric: true })
    return c * sign || a.i - b.i
  }).map((x) => x.r)
}

/** The next sort when a header is clicked: a new column starts descending for numbers, ascending for text. */
export function nextSort<R> (columns: ReadonlyArray<Column<R>>, current: Sort | undefined, key: string): Sort {
  if (current?.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
  return { key, dir: columns.find((c) => c.key === key)?.num === true ? 'desc' : 'asc' }
}

/**
 * A table every column of which sorts (header buttons with aria-sort; a "Sort by"
 * select where the table turns into stacked cards on narrow screens). Each cell
 * carries its column's label for the card layout (`table.cards` in the shared styles).
 */
export function sortableTable<R> (o: {
  id: string
  label: string
  columns: ReadonlyArray<Column<R>>
  rows: readonly R[]
  sort: Sort | undefined
  onSort: (s: Sort) => void
  rowClass?: (r: R) => string
  after?: (r: R) => TemplateResult | string
}): TemplateResult {
  const rows = sortRows(o.rows, o.columns, o.sort)
  const header = (c: Column<R>) => {
    const active = o.sort?.key === c.key
    const aria = active ? (o.sort?.dir === 'asc' ? 'ascending' : 'descending') : 'none'
    return html`<th scope="col" class=${c.num === true ? 'num' : ''} aria-sort=${aria}><button type="button" class="sort" data-key=${c.key} @click=${() => o.onSort(nextSort(o.columns, o.sort, c.key))}>${c.label}<span aria-hidden="true">${active ? (o.sort?.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span></button></th>`
  }
  return html`<div class="sort-by"><label>Sort ${o.label} by <select @change=${(e: Event) => {
    const [key, dir] = (e.target as HTMLSelectElement).value.split(':')
    o.onSort({ key: key as string, dir: dir === 'asc' ? 'asc' : 'desc' })
  }}>${o.columns.flatMap((c) => (['desc', 'asc'] as const).map((d) => html`<option value=${`${c.key}:${d}`} ?selected=${o.sort?.key === c.key && o.sort.dir === d}>${c.label} ${d === 'asc' ? '↑' : '↓'}</option>`))}</select></label></div>
  <div class="table-wrap"><table class="cards" id=${o.id} aria-label=${o.label}>
    <thead><tr>${o.columns.map(header)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr class=${o.rowClass?.(r) ?? ''}>${o.columns.map((c) => html`<td data-label=${c.label} class=${`${c.num === true ? 'num' : ''} ${c.cls?.(r) ?? ''}`}><span class="v">${c.cell !== undefined ? c.cell(r) : (c.value(r) ?? '—')}</span></td>`)}</tr>${o.after?.(r) ?? ''}`)}</tbody>
  </table></div>`
}
