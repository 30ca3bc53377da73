import { parseDuration } from '../../shared/time-range.js'
import type { Severity } from './types.js'
import { SEVERITIES } from './types.js'

export const VIEWS = ['overview', 'errors', 'database', 'connections', 'alerts'] as const
export type View = (typeof VIEWS)[number]
/** The ranges offered as buttons; any duration (15m, 2h, 3d) is a range too, and `custom` means start and end. */
export const RANGES = ['15m', '1h', '6h', '24h', '7d', 'custom'] as const
export type Range = string
const isRange = (r: string | null): r is string => r !== null && (r === 'custom' || (r.length <= 12 && parseDuration(r) !== undefined))

export interface UiState {
  view: View
  range: Range
  /** Custom range bounds: ISO times or relative ones (now-2h); used when range is 'custom'. */
  start: string
  end: string
  minSeverity: Severity
  q: string
  /** The expanded error group (fingerprint), so a link can point at one group. */
  group: string
  alertState: 'all' | 'firing' | 'resolved'
  /** One alert (its id), selected in the Alerts view: where a chat notification links to. */
  alert: string
  /** Alerts view: the label alerts are grouped by. */
  groupBy: string
  /** Alerts view: Alertmanager matchers shown as chips (ANDed). */
  filters: string[]
  /** Alerts view: free text over labels and annotations. */
  aq: string
  /** Alerts view: show silenced and inhibited alerts; Errors view: show muted groups (both hidden by default). */
  showMuted: boolean
  /** Alerts view: hide acknowledged alerts. */
  hideAcked: boolean
  /** Table sorts of the Database and Connections views: `table:column:dir,...` (sort-table.ts). */
  sort: string
  /** The table whose history is open in the Database view, and its range. */
  table: string
  tableRange: '24h' | '7d' | '30d'
}

export const DEFAULT_STATE: UiState = {
  view: 'overview', range: '1h', start: '', end: '', minSeverity: 'high', q: '', group: '', alertState: 'all', alert: '', groupBy: 'alertname', filters: [], aq: '', showMuted: false, hideAcked: false, sort: '', table: '', tableRange: '24h',
}

const oneOf = <T extends string>(v: string | null, allowed: readonly T[], def: T): T =>
  v !== null && (allowed as readonly string[]).includes(v) ? v as T : def

/** `#/errors?range=24h&sev=medium&q=timeout` → state. Unknown values fall back to the defaults. */
export function parseHash (hash: string): UiState {
  const h = hash.replace(/^#/, '')
  const qi = h.indexOf('?')
  const path = (qi < 0 ? h : h.slice(0, qi)).replace(/^\/+|\/+$/g, '')
  const sp = new URLSearchParams(qi < 0 ? '' : h.slice(qi + 1))
  const range = isRange(sp.get('range')) ? sp.get('range') as string : DEFAULT_STATE.range
  const start = (sp.get('start') ?? '').slice(0, 40)
  const end = (sp.get('end') ?? '').slice(0, 40)
  return {
    view: oneOf(path, VIEWS, DEFAULT_STATE.view),
    range: range === 'custom' && start === '' ? DEFAULT_STATE.range : range,
    start: range === 'custom' ? start : '',
    end: range === 'custom' ? end : '',
    minSeverity: oneOf(sp.get('sev'), SEVERITIES, DEFAULT_STATE.minSeverity),
    q: sp.get('q') ?? '',
    group: sp.get('group') ?? '',
    alertState: oneOf(sp.get('alerts'), ['all', 'firing', 'resolved'] as const, DEFAULT_STATE.alertState),
    alert: path === 'alerts' ? (sp.get('alert') ?? '').slice(0, 300) : '',
    groupBy: /^[a-zA-Z_][a-zA-Z0-9_]{0,100}$/.test(sp.get('by') ?? '') ? sp.get('by') as string : DEFAULT_STATE.groupBy,
    filters: sp.getAll('f').filter((f) => f !== '' && f.length <= 2048).slice(0, 20),
    aq: (sp.get('aq') ?? '').slice(0, 200),
    showMuted: sp.get('muted') === 'show',
    hideAcked: sp.get('acked') === 'hide',
    sort: (sp.get('sort') ?? '').slice(0, 300),
    table: path === 'database' ? (sp.get('table') ?? '').slice(0, 200) : '',
    tableRange: oneOf(sp.get('trange'), ['24h', '7d', '30d'] as const, DEFAULT_STATE.tableRange),
  }
}

/** State → hash, leaving out defaults so links stay short. Only the fields a view uses are kept. */
export function formatHash (s: UiState): string {
  const sp = new URLSearchParams()
  if (s.view === 'errors') {
    if (s.range !== DEFAULT_STATE.range) sp.set('range', s.range)
    if (s.range === 'custom') { sp.set('start', s.start); if (s.end !== '') sp.set('end', s.end) }
    if (s.minSeverity !== DEFAULT_STATE.minSeverity) sp.set('sev', s.minSeverity)
    if (s.q !== '') sp.set('q', s.q)
    if (s.group !== '') sp.set('group', s.group)
    if (s.showMuted) sp.set('muted', 'show')
  }
  if (s.view === 'alerts' && s.alertState !== 'all') sp.set('alerts', s.alertState)
  if (s.view === 'alerts' && s.alert !== '') sp.set('alert', s.alert)
  if (s.view === 'alerts') {
    if (s.groupBy !== DEFAULT_STATE.groupBy) sp.set('by', s.groupBy)
    for (const f of s.filters) sp.append('f', f)
    if (s.aq !== '') sp.set('aq', s.aq)
    if (s.showMuted) sp.set('muted', 'show')
    if (s.hideAcked) sp.set('acked', 'hide')
  }
  if ((s.view === 'database' || s.view === 'connections') && s.sort !== '') sp.set('sort', s.sort)
  if (s.view === 'database' && s.table !== '') sp.set('table', s.table)
  if (s.view === 'database' && s.table !== '' && s.tableRange !== DEFAULT_STATE.tableRange) sp.set('trange', s.tableRange)
  const qs = sp.toString()
  return `#/${s.view}${qs === '' ? '' : '?' + qs}`
}

/** The errors API query for a state (a custom range sends start/end instead of range). */
export function errorsQuery (s: UiState): { range?: string, start?: string, end?: string, minSeverity: Severity, q?: string, muted?: 'include' } {
  const base = { minSeverity: s.minSeverity, q: s.q === '' ? undefined : s.q, ...(s.showMuted ? { muted: 'include' as const } : {}) }
  return s.range === 'custom'
    ? { ...base, start: s.start, end: s.end === '' ? undefined : s.end }
    : { ...base, range: s.range }
}

/** Free-text fields: typed one keystroke at a time, so they must not add a history entry per key. */
const TYPED_FIELDS: ReadonlySet<string> = new Set<keyof UiState>(['q', 'aq'])

/**
 * How a state change enters the browser's history. A run of changes to the same typed field is one
 * entry: the first keystroke pushes (Back returns to the state before typing), the rest replace it.
 * `typing` is the field the previous change typed into, or '' if it was anything else.
 */
export function historyStep (typing: string, patch: Partial<UiState>): { mode: 'push' | 'replace', typing: string } {
  const keys = Object.keys(patch)
  const field = keys.length === 1 && TYPED_FIELDS.has(keys[0] as string) ? keys[0] as string : ''
  return { mode: field !== '' && field === typing ? 'replace' : 'push', typing: field }
}
