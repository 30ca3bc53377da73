import type { Counter } from 'prom-client'
import type { AlertSink } from '../../alerts/sink.js'
import type { Severity } from '../../metrics/names.js'

/** The alert a new critical or high group raises (README: Alerts and what to do). */
export const NEW_GROUP_ALERT = 'TovWatchNewErrorGroup'
const KEY = 'new-error-group:'
const OVERFLOW_KEY = KEY + 'more'

export interface NewGroup { fingerprint: string, severity: Severity, template: string, firstSeen: Date }

export interface NewGroupAlertOptions {
  sink: AlertSink
  /** At most this many alerts, one per group, in any window; past it the groups are summed in one alert. */
  limit: number
  windowMs: number
  /** tovwatch_error_new_groups_total{severity, alerted}. */
  counter: Counter<'severity' | 'alerted'>
  now?: () => number
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s)

/**
 * Raises TovWatchNewErrorGroup for each new critical or high group, linked to the group, at most
 * `limit` per sliding `windowMs`; the groups past the limit are summed in one alert linked to the
 * feed, so a deploy that brings fifty new errors sends a handful of messages, not fifty. Each alert
 * resolves when its group is resolved or muted, or a window after it was raised.
 */
export function createNewGroupAlerts ({ sink, limit, windowMs, counter, now = Date.now }: NewGroupAlertOptions) {
  const raisedAt = new Map<string, number>()
  const recent: number[] = []
  let overflow: { since: number, last: number, groups: NewGroup[], count: number } | undefined

  const prune = (t: number) => { while (recent.length > 0 && (recent[0] as number) <= t - windowMs) recent.shift() }

  function raiseOne (g: NewGroup, t: number) {
    recent.push(t)
    raisedAt.set(g.fingerprint, t)
    sink.raise(KEY + g.fingerprint, {
      alertname: NEW_GROUP_ALERT,
      severity: g.severity,
      labels: { group: g.fingerprint },
      summary: cut(`New ${g.severity} error group: ${g.template}`, 300),
      description: `An error group TovWatch had never seen appeared at ${g.firstSeen.toISOString()}. Resolve it once fixed (it regresses if it comes back), or mute it.`,
      view: 'errors',
      params: { range: '24h', group: g.fingerprint },
    })
  }

  function raiseOverflow (t: number, groups: NewGroup[]) {
    overflow ??= { since: t, last: t, groups: [], count: 0 }
    overflow.last = t
    overflow.count += groups.length
    overflow.groups = [...overflow.groups, ...groups].slice(-5)
    const worst: Severity = [...overflow.groups].some((g) => g.severity === 'critical') ? 'critical' : 'high'
    sink.raise(OVERFLOW_KEY, {
      alertname: NEW_GROUP_ALERT,
      severity: worst,
      labels: { group: 'more' },
      summary: `${overflow.count} more new error groups (over ${limit} in ${Math.round(windowMs / 60_000)} min)`,
      description: `Past the limit of ${limit} new-group alerts per ${Math.round(windowMs / 60_000)} min (ERROR_NEW_GROUP_ALERT_LIMIT, ERROR_NEW_GROUP_ALERT_WINDOW). The latest: ` +
        overflow.groups.map((g) => cut(g.template, 120)).join(' · '),
      view: 'errors',
      params: { range: '24h' },
    })
  }

  return {
    /** New groups the store claimed for an alert (once across instances). */
    raise (groups: NewGroup[]) {
      const t = now()
      prune(t)
      const over: NewGroup[] = []
      for (const g of groups) {
        if (recent.length < limit) {
          raiseOne(g, t)
          counter.inc({ severity: g.severity, alerted: 'true' })
        } else {
          over.push(g)
          counter.inc({ severity: g.severity, alerted: 'false' })
        }
      }
      if (over.length > 0) raiseOverflow(t, over)
    },
    /** The group was triaged (resolved or muted): its alert resolves. */
    triaged (fingerprint: string) {
      if (raisedAt.delete(fingerprint)) sink.resolve(KEY + fingerprint)
    },
    /** Alerts older than a window resolve: a new group is news once. */
    sweep () {
      const t = now()
      prune(t)
      for (const [fp, at] of raisedAt) if (at <= t - windowMs) { raisedAt.delete(fp); sink.resolve(KEY + fp) }
      if (overflow !== undefined && overflow.last <= t - windowMs) { overflow = undefined; sink.resolve(OVERFLOW_KEY) }
    },
  }
}
