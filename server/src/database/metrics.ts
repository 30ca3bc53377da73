import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { M } from '../metrics/names.js'
import { trusted } from './rows.js'
import type { WatchSnapshot } from './snapshot.js'

/** Unwatched tables exported by size, on top of the watched ones: the label set stays bounded. */
const TOP_TABLES = 20
const MAX_POOLS = 20

/**
 * The database gauges are computed in collect() from the last probe, so a scrape
 * never queries PostgreSQL and never exports a number the probe could not trust.
 */
export function createDatabaseMetrics (registry: Registry, read: () => WatchSnapshot) {
  const registers = [registry]
  const probeDuration = new Histogram({ name: M.pgProbeDuration, help: 'Duration of a full database probe', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers })
  const probeErrors = new Counter({ name: M.pgProbeErrors, help: 'Database probes that failed, by reason', labelNames: ['reason'] as const, registers })

  const gauge = (name: string, help: string, labelNames: readonly string[], fill: (g: Gauge<string>, s: WatchSnapshot) => void) =>
    new Gauge({ name, help, labelNames, registers, collect () { this.reset(); fill(this, read()) } })

  const ok = (s: WatchSnapshot) => s.probe !== null && trusted(s.probe)
  gauge(M.pgDatabaseUp, '1 when the last probe reached the monitored database', [], (g, s) => { if (s.probe !== null) g.set(s.probe.tables !== null || s.probe.identity.status === 'wrong_database' ? 1 : 0) })
  gauge(M.pgIdentityOk, '1 when the monitored database is the expected one and all watched tables exist', [], (g, s) => { if (s.probe !== null) g.set(s.probe.identity.ok ? 1 : 0) })
  gauge(M.pgWatchedTablePresent, '1 when a watched table exists, 0 when it is missing', ['table'] as const, (g, s) => {
    for (const gd of s.guards) g.set({ table: gd.table }, gd.status === 'missing' ? 0 : 1)
  })
  gauge(M.pgRowCollapse, '1 while a watched table has a collapse, truncate or recreate event that has not recovered', ['table'] as const, (g, s) => {
    for (const gd of s.guards) g.set({ table: gd.table }, gd.status === 'collapsed' || gd.status === 'truncated' || gd.status === 'recreated' ? 1 : 0)
  })
  const exported = (s: WatchSnapshot) => {
    if (!ok(s)) return []
    const watched = s.tables.filter((t) => t.watched)
    const top = s.tables.filter((t) => !t.watched).sort((a, b) => (b.totalBytes ?? 0) - (a.totalBytes ?? 0)).slice(0, TOP_TABLES)
    return [...watched, ...top]
  }
  gauge(M.pgTableRows, 'Rows of the watched tables (exact when counted) and of the largest other tables (estimated)', ['table'] as const, (g, s) => {
    for (const t of exported(s)) if (t.rows !== null) g.set({ table: t.key }, t.rows)
  })
  gauge(M.pgTableSize, 'Total size of a table with its indexes and TOAST', ['table'] as const, (g, s) => {
    for (const t of exported(s)) if (t.totalBytes !== null) g.set({ table: t.key }, t.totalBytes)
  })

  const conn = (s: WatchSnapshot) => ok(s) ? s.probe?.connections ?? null : null
  gauge(M.pgConnections, 'Client connections by state (pg_stat_activity)', ['state'] as const, (g, s) => {
    const c = conn(s)
    if (c !== null) for (const [state, n] of Object.entries(c.byState)) g.set({ state }, n)
  })
  gauge(M.pgMaxConnections, 'max_connections of the monitored server', [], (g, s) => { const c = conn(s); if (c !== null) g.set(c.maxConnections) })
  gauge(M.pgConnectionsUsedRatio, 'Client connections / (max_connections - reserved)', [], (g, s) => { const c = conn(s); if (c !== null) g.set(c.usedPct / 100) })
  gauge(M.pgIdleInTxMax, 'Age of the oldest idle-in-transaction connection (0 when none)', [], (g, s) => { const c = conn(s); if (c !== null) g.set(c.oldestIdleInTxSeconds ?? 0) })
  gauge(M.pgLongestQuery, 'Age of the longest-running active query (0 when none)', [], (g, s) => { const c = conn(s); if (c !== null) g.set(c.longestQuerySeconds ?? 0) })
  gauge(M.pgLockWaiting, 'Connections waiting on a lock', [], (g, s) => { const c = conn(s); if (c !== null) g.set(c.waitingOnLocks) })

  const pools = (s: WatchSnapshot) => s.pgbouncer.status === 'up' ? s.pgbouncer.pools.slice(0, MAX_POOLS) : []
  gauge(M.pgbouncerUp, '1 when the PgBouncer admin console answered the last probe', [], (g, s) => { if (s.pgbouncer.status !== 'disabled') g.set(s.pgbouncer.status === 'up' ? 1 : 0) })
  const poolGauge = (name: string, help: string, pick: (p: WatchSnapshot['pgbouncer']['pools'][number]) => number) =>
    gauge(name, help, ['pool'] as const, (g, s) => { for (const p of pools(s)) g.set({ pool: `${p.database}/${p.user}` }, pick(p)) })
  poolGauge(M.pgbouncerClientsActive, 'PgBouncer clients linked to a server, by pool', (p) => p.clActive)
  poolGauge(M.pgbouncerClientsWaiting, 'PgBouncer clients waiting for a server, by pool', (p) => p.clWaiting)
  poolGauge(M.pgbouncerMaxWait, 'Longest wait of a PgBouncer client, by pool', (p) => p.maxWaitSeconds)
  poolGauge(M.pgbouncerServersActive, 'PgBouncer server connections in use, by pool', (p) => p.svActive)
  poolGauge(M.pgbouncerServersIdle, 'PgBouncer idle server connections, by pool', (p) => p.svIdle)

  gauge(M.backupAge, 'Age of the last verified backup, or of the newest dump file when BACKUP_DIR has no verified one (absent when there is none)', [], (g, s) => { if (s.backup?.ageSeconds != null) g.set(s.backup.ageSeconds) })
  gauge(M.backupLastSuccess, 'Unix time of the last verified backup, or of the newest dump file when BACKUP_DIR has no verified one (0 when there is none)', [], (g, s) => {
    if (s.backup !== null) g.set(s.backup.lastGoodAt === null ? 0 : Date.parse(s.backup.lastGoodAt) / 1000)
  })

  return {
    observe (s: WatchSnapshot) {
      if (s.probe === null) return
      probeDuration.observe(s.probe.durationMs / 1000)
      if (s.probe.failureReason !== undefined) probeErrors.inc({ reason: s.probe.failureReason })
    },
  }
}
