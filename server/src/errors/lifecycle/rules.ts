import type { AuditEntry, GroupRow, Observation } from './store.js'

/** A group's lifecycle as the feed and the routes answer it. */
export interface GroupLifecycle {
  firstSeenEver: string
  lastSeenEver: string
  /** First seen ever within the requested range. */
  new: boolean
  /** Seen again after it was resolved (until it is resolved again). */
  regressed: boolean
  resolved: { at: string, by: string } | null
  /** A mute in force now; an expired one is null. `until` is null for good. */
  muted: { at: string, by: string, until: string | null } | null
  audit: Array<{ at: string, by: string, action: string, detail: string }>
}

const iso = (d: Date) => d.toISOString()

/** Muted now: for good, or until a time still ahead. */
export function isMuted (row: GroupRow, now: Date): boolean {
  return row.mutedForever || (row.mutedUntil !== null && row.mutedUntil.getTime() > now.getTime())
}

/** The stored row needs a write: a new group, or the feed saw it earlier, later or more severe than stored. */
export function needsWrite (row: Pick<GroupRow, 'firstSeen' | 'lastSeen' | 'severity'> | undefined, o: Observation, rank: (s: string) => number): boolean {
  return row === undefined || o.first < row.firstSeen || o.last > row.lastSeen || rank(o.severity) < rank(row.severity)
}

/** Resolved, and seen after the resolution: it regresses. */
export function regresses (row: GroupRow | undefined, o: Observation): boolean {
  return row !== undefined && row.resolvedAt !== null && o.last.getTime() > row.resolvedAt.getTime()
}

/** The row as it is once this observation is recorded (and a regression applied). */
export function merged (row: GroupRow | undefined, o: Observation, rank: (s: string) => number): GroupRow {
  if (row === undefined) {
    return { fingerprint: o.fingerprint, firstSeen: o.first, lastSeen: o.last, severity: o.severity, template: o.template, resolvedAt: null, resolvedBy: null, regressedAt: null, mutedAt: null, mutedBy: null, mutedUntil: null, mutedForever: false, alertedAt: null, actions: 0 }
  }
  const out: GroupRow = {
    ...row,
    firstSeen: o.first < row.firstSeen ? o.first : row.firstSeen,
    lastSeen: o.last > row.lastSeen ? o.last : row.lastSeen,
    severity: rank(o.severity) < rank(row.severity) ? o.severity : row.severity,
  }
  if (regresses(row, o)) return { ...out, resolvedAt: null, resolvedBy: null, regressedAt: o.last, actions: row.actions + 1 }
  return out
}

/**
 * A new-group alert is due: critical or high, never alerted, and first seen ever within the
 * alert window before now (a group TovWatch meets for the first time but saw days ago is not news).
 */
export function alertDue (row: GroupRow, now: Date, windowMs: number): boolean {
  return row.alertedAt === null && (row.severity === 'critical' || row.severity === 'high') && now.getTime() - row.firstSeen.getTime() <= windowMs
}

export function lifecycleOf (row: GroupRow, range: { startMs: number, endMs: number }, now: Date, audit: AuditEntry[] = []): GroupLifecycle {
  const first = row.firstSeen.getTime()
  return {
    firstSeenEver: iso(row.firstSeen),
    lastSeenEver: iso(row.lastSeen),
    new: first >= range.startMs && first <= range.endMs,
    regressed: row.regressedAt !== null && row.resolvedAt === null,
    resolved: row.resolvedAt === null ? null : { at: iso(row.resolvedAt), by: row.resolvedBy ?? '' },
    muted: !isMuted(row, now) ? null : { at: iso(row.mutedAt ?? now), by: row.mutedBy ?? '', until: row.mutedForever || row.mutedUntil === null ? null : iso(row.mutedUntil) },
    audit: audit.map((a) => ({ at: iso(a.at), by: a.actor, action: a.action, detail: a.detail })),
  }
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
export const MAX_MUTE_MS = 365 * 86_400_000

/** A mute's length: `forever`, or a whole number of minutes, hours or days (`30m`, `1h`, `24h`, `7d`), at most 365d. */
export function parseMuteDuration (raw: string): { ms: number | null } | { error: string } {
  const v = raw.trim()
  if (v === 'forever') return { ms: null }
  const m = /^(\d{1,6})([mhd])$/.exec(v)
  if (m === null) return { error: `duration must be forever or a length such as 30m, 1h, 24h or 7d (got "${v.slice(0, 40)}")` }
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number)
  if (ms < 60_000 || ms > MAX_MUTE_MS) return { error: `duration must be from 1m to 365d, or forever (got "${v}")` }
  return { ms }
}
