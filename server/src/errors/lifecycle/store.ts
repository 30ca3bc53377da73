import type pg from 'pg'
import { SEVERITIES } from '../../metrics/names.js'

/** One group's lifecycle as stored (tw_error_groups). */
export interface GroupRow {
  fingerprint: string
  firstSeen: Date
  lastSeen: Date
  severity: string
  template: string
  resolvedAt: Date | null
  resolvedBy: string | null
  regressedAt: Date | null
  mutedAt: Date | null
  mutedBy: string | null
  /** null with mutedForever false: not muted. */
  mutedUntil: Date | null
  mutedForever: boolean
  alertedAt: Date | null
  /** Audit rows of the group. */
  actions: number
}

/** What one feed answer saw of a group. */
export interface Observation { fingerprint: string, first: Date, last: Date, severity: string, template: string }

export interface AuditEntry { at: Date, actor: string, action: string, detail: string }

export type Action = 'resolve' | 'unresolve' | 'mute' | 'unmute'

export interface LifecycleStore {
  read: (fingerprints: string[]) => Promise<Map<string, GroupRow>>
  /** The groups among these that are resolved, or muted at `now`: the few rows the feed must see for all of its groups. */
  flagged: (fingerprints: string[], now: Date) => Promise<Map<string, GroupRow>>
  get: (fingerprint: string) => Promise<GroupRow | undefined>
  /** First and last seen widened, severity raised, in one statement for the whole batch. */
  record: (observations: Observation[]) => Promise<void>
  /** Resolved groups seen after their resolution: unresolved and marked regressed (audited). Returns those it changed. */
  regress: (seen: Array<{ fingerprint: string, at: Date }>, now: Date) => Promise<string[]>
  /**
   * Marks the new-group alert as raised for the critical or high groups first seen since `since`;
   * returns the rows this call claimed (once across instances).
   */
  claimAlerts: (fingerprints: string[], now: Date, since: Date) => Promise<GroupRow[]>
  /** One person's action, with its audit row, in one statement; undefined for an unknown group. */
  act: (fingerprint: string, action: Action, by: string, at: Date, mute?: { until: Date | null, detail: string }) => Promise<GroupRow | undefined>
  /** The newest `perGroup` audit rows of each group. */
  audit: (fingerprints: string[], perGroup: number) => Promise<Map<string, AuditEntry[]>>
}

const COLUMNS = `fingerprint, first_seen, last_seen, severity, template, resolved_at, resolved_by, regressed_at,
  muted_at, muted_by, muted_until, muted_forever, alerted_at, actions`

interface Raw {
  fingerprint: string
  first_seen: Date
  last_seen: Date
  severity: string
  template: string
  resolved_at: Date | null
  resolved_by: string | null
  regressed_at: Date | null
  muted_at: Date | null
  muted_by: string | null
  muted_until: Date | null
  muted_forever: boolean
  alerted_at: Date | null
  actions: number
}

const toRow = (r: Raw): GroupRow => ({
  fingerprint: r.fingerprint,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  severity: r.severity,
  template: r.template,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  regressedAt: r.regressed_at,
  mutedAt: r.muted_at,
  mutedBy: r.muted_by,
  mutedUntil: r.muted_until,
  mutedForever: r.muted_forever,
  alertedAt: r.alerted_at,
  actions: Number(r.actions),
})

const SEV = `ARRAY[${SEVERITIES.map((x) => `'${x}'`).join(',')}]`

// The columns each action sets; $2 is the time, $3 who, $6 a mute's end (null: for good).
const SETS: Record<Action, string> = {
  resolve: 'resolved_at = $2, resolved_by = $3, regressed_at = NULL',
  unresolve: 'resolved_at = NULL, resolved_by = NULL',
  mute: 'muted_at = $2, muted_by = $3, muted_until = $6::timestamptz, muted_forever = ($6::timestamptz IS NULL)',
  unmute: 'muted_at = NULL, muted_by = NULL, muted_until = NULL, muted_forever = false',
}

/**
 * The error lifecycle in TovWatch's own store (PostgreSQL or the embedded PGlite). Every write is
 * one statement (no transaction is held open: PGlite is one session), and every change a person
 * makes carries its audit row in the same statement.
 */
export function createLifecycleStore (pool: pg.Pool): LifecycleStore {
  return {
    async read (fingerprints) {
      const out = new Map<string, GroupRow>()
      if (fingerprints.length === 0) return out
      const r = await pool.query<Raw>(`SELECT ${COLUMNS} FROM tw_error_groups WHERE fingerprint = ANY($1::text[])`, [fingerprints])
      for (const row of r.rows) out.set(row.fingerprint, toRow(row))
      return out
    },
    async get (fingerprint) {
      const r = await pool.query<Raw>(`SELECT ${COLUMNS} FROM tw_error_groups WHERE fingerprint = $1`, [fingerprint])
      return r.rows[0] === undefined ? undefined : toRow(r.rows[0])
    },
    async record (observations) {
      if (observations.length === 0) return
      await pool.query(`
INSERT INTO tw_error_groups AS g (fingerprint, first_seen, last_seen, severity, template)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[])
ON CONFLICT (fingerprint) DO UPDATE SET
  first_seen = LEAST(g.first_seen, EXCLUDED.first_seen),
  last_seen = GREATEST(g.last_seen, EXCLUDED.last_seen),
  severity = CASE WHEN array_position(${SEV}, EXCLUDED.severity) < array_position(${SEV}, g.severity) THEN EXCLUDED.severity ELSE g.severity END`,
      [observations.map((o) => o.fingerprint), observations.map((o) => o.first), observations.map((o) => o.last), observations.map((o) => o.severity), observations.map((o) => o.template)])
    },
    async regress (seen, now) {
      if (seen.length === 0) return []
      const r = await pool.query<{ fingerprint: string }>(`
WITH u AS (
  UPDATE tw_error_groups g SET resolved_at = NULL, resolved_by = NULL, regressed_at = i.at, actions = g.actions + 1
  FROM unnest($1::text[], $2::timestamptz[]) AS i(fp, at)
  WHERE g.fingerprint = i.fp AND g.resolved_at IS NOT NULL AND g.resolved_at < i.at
  RETURNING g.fingerprint, i.at
), a AS (
  INSERT INTO tw_error_group_audit (fingerprint, at, actor, action, detail)
  SELECT fingerprint, $3, 'tovwatch', 'regressed', 'seen again at ' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM u
)
SELECT fingerprint FROM u`, [seen.map((s) => s.fingerprint), seen.map((s) => s.at), now])
      return r.rows.map((x) => x.fingerprint)
    },
    async flagged (fingerprints, now) {
      const out = new Map<string, GroupRow>()
      if (fingerprints.length === 0) return out
      const r = await pool.query<Raw>(`SELECT ${COLUMNS} FROM tw_error_groups WHERE fingerprint = ANY($1::text[]) AND (resolved_at IS NOT NULL OR muted_forever OR muted_until > $2)`, [fingerprints, now])
      for (const row of r.rows) out.set(row.fingerprint, toRow(row))
      return out
    },
    async claimAlerts (fingerprints, now, since) {
      if (fingerprints.length === 0) return []
      const r = await pool.query<Raw>(
        `UPDATE tw_error_groups SET alerted_at = $2 WHERE fingerprint = ANY($1::text[]) AND alerted_at IS NULL AND first_seen >= $3 AND severity IN ('critical', 'high') RETURNING ${COLUMNS}`, [fingerprints, now, since])
      return r.rows.map(toRow)
    },
    async act (fingerprint, action, by, at, mute) {
      const r = await pool.query<Raw>(`
WITH u AS (
  UPDATE tw_error_groups SET ${SETS[action]}, actions = actions + 1 WHERE fingerprint = $1 RETURNING ${COLUMNS}
), a AS (
  INSERT INTO tw_error_group_audit (fingerprint, at, actor, action, detail) SELECT fingerprint, $2, $3, $4, $5 FROM u
)
SELECT * FROM u`, [fingerprint, at, by, action, mute?.detail ?? '', ...(action === 'mute' ? [mute?.until ?? null] : [])])
      return r.rows[0] === undefined ? undefined : toRow(r.rows[0])
    },
    async audit (fingerprints, perGroup) {
      const out = new Map<string, AuditEntry[]>()
      if (fingerprints.length === 0) return out
      const r = await pool.query<{ fingerprint: string, at: Date, actor: string, action: string, detail: string }>(`
SELECT fingerprint, at, actor, action, detail FROM (
  SELECT *, row_number() OVER (PARTITION BY fingerprint ORDER BY at DESC, id DESC) AS n FROM tw_error_group_audit WHERE fingerprint = ANY($1::text[])
) x WHERE n <= $2 ORDER BY fingerprint, at DESC, id DESC`, [fingerprints, perGroup])
      for (const row of r.rows) {
        let list = out.get(row.fingerprint)
        if (list === undefined) out.set(row.fingerprint, list = [])
        list.push({ at: row.at, actor: row.actor, action: row.action, detail: row.detail })
      }
      return out
    },
  }
}
