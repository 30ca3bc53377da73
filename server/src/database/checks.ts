import type { AlertSink, InternalAlert } from '../alerts/sink.js'
import type { DatabaseConfig } from '../config.js'
import type { IdentityStatus } from './types.js'
import type { WatchSnapshot } from './snapshot.js'

export interface CheckMemory { usedHighStreak: number }

/** Alert names shared with rules/alerts.yml: change them together. */
export const ALERTS = {
  database_missing: 'TovWatchDatabaseMissing',
  unreachable: 'TovWatchDatabaseUnreachable',
  auth_failed: 'TovWatchDatabaseAuthFailed',
  wrong_database: 'TovWatchIdentityMismatch',
  unverified: 'TovWatchIdentityUnverified',
  tableMissing: 'TovWatchWatchedTableMissing',
  rowCollapse: 'TovWatchRowCollapse',
  connectionsNearLimit: 'TovWatchConnectionsNearLimit',
  idleInTransaction: 'TovWatchIdleInTransaction',
  pgbouncerWaiting: 'TovWatchPgBouncerClientsWaiting',
  pgbouncerDown: 'TovWatchPgBouncerDown',
  backupStale: 'TovWatchBackupStale',
} as const

const IDENTITY_KEYS: Array<[Exclude<IdentityStatus, 'ok' | 'tables_missing' | 'unknown'>, string]> = [
  ['database_missing', 'db:identity:missing'],
  ['unreachable', 'db:identity:unreachable'],
  ['auth_failed', 'db:identity:auth'],
  ['wrong_database', 'db:identity:mismatch'],
  ['unverified', 'db:identity:unverified'],
]

/**
 * The database's internal checks: turns one probe's snapshot into raised and resolved
 * internal alerts through the sink. Idempotent.
 */
export function evaluateChecks (s: WatchSnapshot, config: DatabaseConfig, sink: AlertSink, memory: CheckMemory): void {
  const set = (key: string, on: boolean, alert: () => InternalAlert) => { if (on) sink.raise(key, alert()); else sink.resolve(key) }
  const p = s.probe
  if (p !== null) {
    const id = p.identity
    const database = id.expectedDatabase
    // An unexplained failure is reported as unreachable: the probe could not see the database.
    const status = id.status === 'unknown' ? 'unreachable' : id.status
    for (const [st, key] of IDENTITY_KEYS) {
      set(key, status === st, () => ({
        alertname: ALERTS[st],
        severity: st === 'unverified' ? 'high' : 'critical',
        labels: { database },
        summary: st === 'database_missing'
          ? `Database ${database} is missing`
          : st === 'unreachable'
            ? `PostgreSQL is unreachable for database ${database}`
            : st === 'auth_failed'
              ? `The monitoring role cannot log in to ${database}`
              : st === 'unverified'
                ? `No TovPlay table in database ${database}: it may be the wrong database`
                : `TovWatch reads the wrong database (${id.currentDatabase ?? '?'} instead of ${database})`,
        description: id.message,
        view: 'database',
      }))
    }
  }

  for (const g of s.guards) {
    set(`db:guard:${g.table}`, g.status !== 'ok', () => ({
      alertname: g.status === 'missing' ? ALERTS.tableMissing : ALERTS.rowCollapse,
      severity: 'critical',
      labels: { table: g.table, guard: g.status },
      summary: g.status === 'missing' ? `Watched table ${g.table} is missing` : `Rows of ${g.table}: ${g.status} (${g.before ?? '?'} → ${g.after ?? '?'})`,
      description: g.message,
      view: 'database',
    }))
  }

  const c = p?.connections ?? null
  if (p !== null) {
    const high = c !== null && c.usedPct > config.connUsedAlertPct
    memory.usedHighStreak = high ? memory.usedHighStreak + 1 : c === null ? memory.usedHighStreak : 0
    if (c !== null) {
      set('db:connections:used', memory.usedHighStreak >= 2, () => ({
        alertname: ALERTS.connectionsNearLimit,
        severity: 'critical',
        labels: {},
        summary: `PostgreSQL connections at ${c.usedPct} % of the usable maximum`,
        description: `${c.total} of ${c.maxConnections - c.reserved} usable connections (max_connections ${c.maxConnections}, ${c.reserved} reserved) for ${memory.usedHighStreak} probes; idle: ${c.byState.idle}, idle in transaction: ${c.byState.idle_in_transaction}. Threshold CONN_USED_ALERT_PCT=${config.connUsedAlertPct}.`,
        view: 'connections',
      }))
      const idle = c.oldestIdleInTxSeconds
      set('db:connections:idle-in-tx', idle !== null && idle > config.idleInTxAlertS, () => ({
        alertname: ALERTS.idleInTransaction,
        severity: 'high',
        labels: {},
        summary: `A transaction has been idle for ${Math.round(idle ?? 0)} s`,
        description: `The oldest idle-in-transaction connection has been idle for ${Math.round(idle ?? 0)} s (IDLE_IN_TX_ALERT_S=${config.idleInTxAlertS}). It holds locks and blocks vacuum.`,
        view: 'connections',
      }))
    }
  }

  if (config.pgbouncerAdminUrl !== undefined && s.pgbouncer.measuredAt !== null) {
    const b = s.pgbouncer
    set('db:pgbouncer:down', b.status === 'down' || b.status === 'auth_failed', () => ({
      alertname: ALERTS.pgbouncerDown,
      severity: 'high',
      labels: { reason: b.status },
      summary: b.status === 'auth_failed' ? 'PgBouncer refused the admin login' : 'PgBouncer is down',
      description: b.message,
      view: 'connections',
    }))
    const waiting = b.pools.filter((x) => x.clWaiting > 0 && x.maxWaitSeconds > config.pgbouncerWaitAlertS)
    set('db:pgbouncer:waiting', waiting.length > 0, () => ({
      alertname: ALERTS.pgbouncerWaiting,
      severity: 'high',
      labels: {},
      summary: `Clients wait in PgBouncer for up to ${Math.round(Math.max(...waiting.map((x) => x.maxWaitSeconds)))} s`,
      description: waiting.map((x) => `${x.database}/${x.user}: ${x.clWaiting} waiting, longest ${x.maxWaitSeconds.toFixed(1)} s`).join('; ') + ` (PGBOUNCER_WAIT_ALERT_S=${config.pgbouncerWaitAlertS})`,
      view: 'connections',
    }))
  }

  const bk = s.backup
  if (bk !== null) {
    set('db:backup:stale', bk.stale, () => ({
      alertname: ALERTS.backupStale,
      severity: 'high',
      labels: {},
      summary: bk.lastGoodAt === null ? 'No verified backup found' : `The ${bk.verified ? 'last good backup' : 'newest (unverified) dump file'} is ${((bk.ageSeconds ?? 0) / 3600).toFixed(1)} h old`,
      description: bk.message,
      view: 'database',
    }))
  }
}
