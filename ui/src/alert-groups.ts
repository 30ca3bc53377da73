/**
 * The Alerts view's model, karma-style: filter (Alertmanager matchers + free text), hide what is
 * silenced, inhibited or acknowledged, then group by a label. Pure and one pass over the alerts, so
 * a keystroke over 5,000 alerts costs a few milliseconds; the page renders only what is expanded.
 */
import { matchesAll, parseMatcher, type Compile, type Matcher } from '../../server/src/alerts/matchers.js'
import type { Alert, Severity } from './types.js'

export interface Muted { silencedBy: string[], inhibitedBy: string[] }
export interface MutingState { available: boolean, error: string, measuredAt: string | null, muted: Record<string, Muted> }
export const NO_MUTING: MutingState = { available: false, error: '', measuredAt: null, muted: {} }

/** The browser's RegExp for the page; the server checks the same matchers with RE2. */
export const browserCompile: Compile = (anchored) => new RegExp(anchored, 'u')

const RANK: Record<Severity | 'none', number> = { critical: 4, high: 3, medium: 2, low: 1, none: 0 }

/** Each alert's labels and annotations, lower-cased once (alerts are immutable: a change is a new object). */
const haystacks = new WeakMap<Alert, string>()
function haystack (a: Alert): string {
  let h = haystacks.get(a)
  if (h === undefined) {
    h = [...Object.entries(a.labels).map(([k, v]) => `${k}\u0000${v}`), ...Object.values(a.annotations)].join('\u0000').toLowerCase()
    haystacks.set(a, h)
  }
  return h
}

/** Free text over label names, values and annotations, ignoring case (as the server's `q`). */
export const textIn = (a: Alert, lowerNeedle: string) => lowerNeedle === '' || haystack(a).includes(lowerNeedle)

/** An acknowledgement counts while the alert fires and until its chosen end (the page's clock). */
export function isAcked (a: Alert, now = Date.now()): boolean {
  const k = a.acknowledged
  return k !== null && a.status === 'firing' && (k.until === null || Date.parse(k.until) > now)
}

export interface ViewOptions {
  state: 'all' | 'firing' | 'resolved'
  groupBy: string
  matchers: Matcher[]
  text: string
  showMuted: boolean
  showAcked: boolean
  muting: MutingState
  now?: number
}

export interface AlertGroup {
  key: string
  /** The grouping label's value ('' when the alerts lack it). */
  value: string
  alerts: Alert[]
  firing: number
  acked: number
  worst: Severity | 'none'
  /** The label the worst alert sent as severity (as written: "warning", "page"…). */
  worstSent: string
  /** Labels every alert of the group shares (the grouping label included). */
  shared: Record<string, string>
}

export interface AlertView {
  groups: AlertGroup[]
  /** Alerts shown, and in the state chosen before hiding: the view's count and the tab's agree. */
  shown: number
  inState: number
  /** Of inState: firing and resolved. */
  firing: number
  resolved: number
  hiddenMuted: number
  hiddenAcked: number
  muted: number
  acked: number
}

export const mutedOf = (a: Alert, m: MutingState): Muted | undefined => (a.source === 'alertmanager' ? m.muted[a.fingerprint] : undefined)

function sharedLabels (alerts: Alert[]): Record<string, string> {
  const first = alerts[0]
  if (first === undefined) return {}
  const out: Record<string, string> = { ...first.labels }
  for (let i = 1; i < alerts.length; i++) {
    const l = (alerts[i] as Alert).labels
    for (const k in out) if (l[k] !== out[k]) delete out[k]
  }
  return out
}

/** Alerts in the order the store keeps them (firing by severity, newest first) go into groups in that order. */
export function buildView (alerts: readonly Alert[], o: ViewOptions): AlertView {
  const now = o.now ?? Date.now()
  const needle = o.text.toLowerCase()
  const groups = new Map<string, AlertGroup>()
  let shown = 0
  let inState = 0
  let firing = 0
  let hiddenMuted = 0
  let hiddenAcked = 0
  let muted = 0
  let acked = 0
  for (const a of alerts) {
    if (o.state !== 'all' && a.status !== o.state) continue
    if (o.matchers.length > 0 && !matchesAll(o.matchers, a.labels, browserCompile)) continue
    if (needle !== '' && !textIn(a, needle)) continue
    inState++
    if (a.status === 'firing') firing++
    const isMuted = a.status === 'firing' && mutedOf(a, o.muting) !== undefined
    const ack = isAcked(a, now)
    if (isMuted) muted++
    if (ack) acked++
    if (isMuted && !o.showMuted) { hiddenMuted++; continue }
    if (ack && !o.showAcked) { hiddenAcked++; continue }
    shown++
    const value = a.labels[o.groupBy] ?? (o.groupBy === 'alertname' ? a.alertname : '')
    let g = groups.get(value)
    if (g === undefined) {
      g = { key: `${o.groupBy}=${value}`, value, alerts: [], firing: 0, acked: 0, worst: 'none', worstSent: '', shared: {} }
      groups.set(value, g)
    }
    g.alerts.push(a)
    if (a.status === 'firing') {
      g.firing++
      if (ack) g.acked++
      if (RANK[a.severity] > RANK[g.worst] || g.worstSent === '') { g.worst = a.severity; g.worstSent = a.labels.severity ?? '' }
    }
  }
  const list = [...groups.values()]
  for (const g of list) g.shared = sharedLabels(g.alerts)
  // Groups with firing alerts first, by worst severity, then by size; resolved-only groups after.
  // Ties keep the store's order (the sort is stable): newest first, most recently resolved first.
  list.sort((x, y) => (y.firing > 0 ? 1 : 0) - (x.firing > 0 ? 1 : 0) || RANK[y.worst] - RANK[x.worst] || y.alerts.length - x.alerts.length)
  return { groups: list, shown, inState, firing, resolved: inState - firing, hiddenMuted, hiddenAcked, muted, acked }
}

/** A filter box entry: a matcher when it parses as one (`job=~"api.*"`), otherwise an error to show. */
export function parseChip (text: string): { matcher: Matcher } | { error: string } {
  try {
    return { matcher: parseMatcher(text, browserCompile) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

/** Whether typed text looks like an attempt at a matcher (has an operator) rather than free text. */
export const looksLikeMatcher = (text: string) => /^\s*[^\s=!~"]*\s*(=|!=|=~|!~|==|~=|<|>)/.test(text)

/** A group's or an alert's labels as silence matchers (`alertname` and every shared label, exact). */
export function silenceMatchersFor (labels: Record<string, string>): Matcher[] {
  return Object.entries(labels).filter(([k]) => !k.startsWith('__')).map(([name, value]) => ({ name, op: '=' as const, value }))
}

/** A generatorURL with any user:password@ or credential-looking query parameters masked. */
export function maskUrl (raw: string | null): string | null {
  if (raw === null || raw === '') return null
  try {
    const u = new URL(raw)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null
    if (u.username !== '' || u.password !== '') { u.username = '***'; u.password = '' }
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|password|auth|sig/i.test(k)) u.searchParams.set(k, '***')
    return u.toString()
  } catch {
    return null
  }
}
