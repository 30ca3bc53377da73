import { isAcked, NO_MUTING, type MutingState } from './alert-groups.js'
import type { AlertEvent } from './alert-stream.js'
import { severityWeight } from '../../shared/severity.js'
import type { Alert } from './types.js'

/** Firing first (worst severity, newest start), then resolved (most recently ended). */
export function sortAlerts (alerts: Iterable<Alert>): Alert[] {
  return [...alerts].sort((a, b) => {
    if (a.status !== b.status) return a.status === 'firing' ? -1 : 1
    if (a.status === 'firing') {
      const s = severityWeight(b.severity) - severityWeight(a.severity)
      if (s !== 0) return s
      return a.startsAt < b.startsAt ? 1 : a.startsAt > b.startsAt ? -1 : 0
    }
    const ae = a.endsAt ?? a.updatedAt
    const be = b.endsAt ?? b.updatedAt
    return ae < be ? 1 : ae > be ? -1 : 0
  })
}

/**
 * The alerts every view shares. Events can arrive 100 a second; listeners hear about them
 * at most every `minIntervalMs` (a person cannot read faster, and each re-render of a long
 * list costs style and layout), from a timer task of its own rather than inside the frame.
 * The sorted list is computed only when asked for.
 */
export class AlertsStore {
  private readonly byId = new Map<string, Alert>()
  private readonly listeners = new Set<() => void>()
  private sorted: Alert[] | undefined
  private pending = false
  private lastNotified = -Infinity
  version = 0
  loaded = false
  /**
   * When the stream last told us anything (snapshot, event or heartbeat): while it is open the
   * list is current as of then; while it is down, the counts are as old as this.
   */
  syncedAt: string | null = null

  constructor (
    private readonly schedule: (fn: () => void, delayMs: number) => void = (fn, ms) => { setTimeout(fn, ms) },
    private readonly minIntervalMs = 250,
    private readonly now: () => number = () => performance.now()
  ) {}

  subscribe (fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** The stream spoke (a heartbeat, say): the list is current as of now. */
  touch (at = new Date()): void {
    this.syncedAt = at.toISOString()
    this.notify()
  }

  /**
   * The stream's snapshot: every firing alert. Resolved ones already here (history, or resolved
   * while the page was open) stay; a firing one the snapshot lacks has resolved meanwhile, and
   * goes until the history or an event brings it back as resolved.
   */
  replace (alerts: Alert[], complete = true): void {
    this.syncedAt = new Date().toISOString()
    // A bounded snapshot (the rest paged after it) cannot say which firing alerts are gone.
    if (complete) for (const [id, a] of this.byId) if (a.status === 'firing') this.byId.delete(id)
    for (const a of alerts) this.byId.set(a.id, a)
    this.loaded = true
    this.changed()
  }

  /** Applies a stream event; returns true when it is a newly firing critical alert (worth a toast). */
  apply (event: AlertEvent): boolean {
    this.syncedAt = new Date().toISOString()
    const before = this.byId.get(event.alert.id)
    this.byId.set(event.alert.id, event.alert)
    this.changed()
    return event.alert.status === 'firing' && event.alert.severity === 'critical' &&
      (event.kind === 'firing' || event.kind === 'updated') && (before === undefined || before.status !== 'firing')
  }

  upsert (alert: Alert): void {
    this.byId.set(alert.id, alert)
    this.changed()
  }

  /** Older alerts from GET /api/alerts: added where the stream has nothing newer. */
  merge (alerts: Alert[]): void {
    let any = false
    for (const a of alerts) {
      const have = this.byId.get(a.id)
      if (have !== undefined && have.updatedAt >= a.updatedAt) continue
      this.byId.set(a.id, a)
      any = true
    }
    if (any) this.changed()
  }

  get list (): Alert[] {
    this.sorted ??= sortAlerts(this.byId.values())
    return this.sorted
  }

  /** Which alerts Alertmanager silences or inhibits (pushed on the stream as `muting`). */
  muting: MutingState = NO_MUTING

  setMuting (m: MutingState): void {
    // A read answer may arrive after a newer push: keep the newer one.
    if (m.measuredAt !== null && this.muting.measuredAt !== null && m.measuredAt < this.muting.measuredAt) return
    this.muting = m
    this.changed()
  }

  /** Firing alerts with an acknowledgement that still counts (by the page's clock). */
  ackedCount (now = Date.now()): number {
    let n = 0
    for (const a of this.byId.values()) if (isAcked(a, now)) n++
    return n
  }

  get firingCount (): number {
    let n = 0
    for (const a of this.byId.values()) if (a.status === 'firing') n++
    return n
  }

  private changed (): void {
    this.sorted = undefined
    this.version++
    this.notify()
  }

  private notify (): void {
    if (this.pending) return
    this.pending = true
    this.schedule(() => {
      this.pending = false
      this.lastNotified = this.now()
      for (const fn of this.listeners) fn()
    }, Math.max(0, this.lastNotified + this.minIntervalMs - this.now()))
  }
}
