import crypto from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { AlertSink } from '../alerts/sink.js'
import type pg from 'pg'
import { databaseNameOf, type DatabaseConfig } from '../config.js'
import { evaluateChecks, type CheckMemory } from './checks.js'
import { checkBackup, type BackupState } from './backup.js'
import { createGuardBook } from './guards.js'
import { createConnectionsHistory, type ConnectionsHistory } from './history.js'
import { probePgBouncer, type PgBouncerState } from './pgbouncer.js'
import { runProbe } from './probe.js'
import { nextTableRows, trusted, type TableRows } from './rows.js'
import type { ProbeResult } from './types.js'
import type { Kv } from './kv.js'
import type { WatchSnapshot } from './snapshot.js'
import { createWatchedSet } from './watched.js'

export interface DatabaseWatch {
  start: () => Promise<void>
  stop: () => Promise<void>
  /** Runs a probe now (or joins the one running): never two at once. */
  probeNow: () => Promise<WatchSnapshot>
  snapshot: () => WatchSnapshot
  history: ConnectionsHistory
  resetGuard: (table: string) => boolean
  isStale: () => boolean
  onProbe: (fn: (s: WatchSnapshot) => void) => void
}

/** A restart within this time still compares with the last probe before it. */
const GUARDS_TTL_S = 7 * 86_400

export interface DatabaseWatchOptions {
  /** The watched database, through the read-only monitoring role. */
  monitor: pg.Pool
  /** TovWatch's own store (a BACKUP_TABLE is read there). */
  store: pg.Pool
  /** Shared state: guard baselines, the watched set, connection history. */
  kv: Kv
  /** Embedded PGlite: no PgBouncer, no identity warning. */
  embedded: boolean
  config: DatabaseConfig
  /** Where the checks raise and resolve their alerts. */
  sink: AlertSink
  log: FastifyBaseLogger
}

export function createDatabaseWatch ({ monitor, store, kv, embedded, config, sink, log }: DatabaseWatchOptions): DatabaseWatch {
  const expectedDatabase = config.expectedDatabase ?? databaseNameOf(config.monitorUrl) ?? 'postgres'
  const ns = crypto.createHash('sha256').update(stripPassword(config.monitorUrl ?? 'embedded') + '|' + expectedDatabase).digest('hex').slice(0, 12)
  const watched = createWatchedSet(config.watchedTables, kv, `tovwatch:db:watched:${ns}`)
  const guards = createGuardBook(config.rowDropAlertPct)
  const guardsKey = `tovwatch:db:guards:${ns}`
  const history = createConnectionsHistory({
    kv,
    namespace: ns,
    slotMs: config.probeIntervalS * 1000,
    onError: (err) => log.debug({ err: { message: err.message } }, 'connection history: Redis unavailable, memory only'),
  })
  const memory: CheckMemory = { usedHighStreak: 0 }
  const listeners: Array<(s: WatchSnapshot) => void> = []
  let probe: ProbeResult | null = null
  let rows: TableRows = { tables: [], bySample: new Map() }
  let backup: BackupState | null = null
  let pgbouncer: PgBouncerState = config.pgbouncerAdminUrl === undefined
    ? { status: 'disabled', message: embedded ? 'not available on embedded PostgreSQL' : 'PGBOUNCER_ADMIN_URL is not set', measuredAt: null, pools: [], stats: [], lists: {} }
    : { status: 'down', message: 'not probed yet', measuredAt: null, pools: [], stats: [], lists: {} }
  let running: Promise<WatchSnapshot> | undefined
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  const snapshot = (): WatchSnapshot => ({ probe, tables: rows.tables, guards: guards.list(), backup, pgbouncer, embedded })

  async function probeOnce (): Promise<WatchSnapshot> {
    const [result, bouncer, backupState] = await Promise.all([
      runProbe(monitor, {
        expectedDatabase,
        embedded,
        exactCountMaxRows: config.exactCountMaxRows,
        watched: (present) => watched.resolve(present),
        confirmByTables: !embedded && config.expectedDatabase === undefined && !watched.explicit,
      }),
      config.pgbouncerAdminUrl !== undefined ? probePgBouncer(config.pgbouncerAdminUrl) : Promise.resolve(pgbouncer),
      checkBackup({ dir: config.backup.dir, table: config.backup.table, maxAgeH: config.backup.maxAgeH, store }),
    ])
    probe = result
    pgbouncer = bouncer
    backup = backupState
    rows = nextTableRows(rows, result)
    if (result.tables !== null && trusted(result)) {
      guards.update(result.tables.filter((t) => t.watched), result.identity.missingTables, result.measuredAt)
    }
    const c = result.connections
    if (c !== null && trusted(result)) {
      history.add({ t: result.measuredAt.getTime(), active: c.byState.active, idle: c.byState.idle, idleInTx: c.byState.idle_in_transaction + c.byState.idle_in_transaction_aborted, other: c.byState.other, total: c.total, max: c.maxConnections })
    }
    await watched.save()
    if (result.tables !== null && trusted(result)) await kv.set(guardsKey, guards.save(), GUARDS_TTL_S).catch(() => {})
    const snap = snapshot()
    evaluateChecks(snap, config, sink, memory)
    if (!result.identity.ok) log.warn({ status: result.identity.status }, result.identity.message)
    for (const fn of listeners) fn(snap)
    return snap
  }

  function probeNow (): Promise<WatchSnapshot> {
    running ??= probeOnce()
      .catch((err: unknown) => { log.error({ err }, 'database probe failed unexpectedly'); return snapshot() })
      .finally(() => { running = undefined })
    return running
  }

  function schedule (): void {
    if (stopped) return
    timer = setTimeout(() => { probeNow().then(schedule, schedule) }, config.probeIntervalS * 1000)
    timer.unref()
  }

  return {
    async start () {
      if (!embedded && config.expectedDatabase === undefined) {
        log.warn({ expectedDatabase }, `EXPECTED_DATABASE is not set: TovWatch expects "${expectedDatabase}", the database named in the monitoring URL, and cannot tell if that URL points at the wrong database. ` +
          (watched.explicit
            ? 'WATCHED_TABLES must all exist there.'
            : 'Unless a TovPlay table exists there, the identity is reported as unverified and no counts are shown.') +
          ' Set EXPECTED_DATABASE=TovPlay (the real name) to make the check explicit.')
      }
      await kv.connect()
      const saved = await kv.get(guardsKey)
      if (saved !== undefined) guards.load(saved)
      await Promise.all([watched.load(), history.load()])
      const first = probeNow()
      // A slow or unreachable server must not hold up the start for long.
      await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 1500).unref())])
      first.then(schedule, schedule)
    },
    async stop () {
      stopped = true
      clearTimeout(timer)
      await running?.catch(() => {})
      await history.close()
    },
    probeNow,
    snapshot,
    history,
    resetGuard (table) {
      const wasMissing = guards.list().find((g) => g.table === table)?.status === 'missing'
      if (!guards.reset(table)) return false
      // A default-watched table that an admin says is gone for good is no longer required:
      // the next probe drops its guard instead of raising "missing" again. A table named in
      // WATCHED_TABLES stays required, so it is raised again while it is missing.
      if (wasMissing && !watched.explicit) {
        watched.forget(table)
        watched.save().catch(() => {})
      }
      // The acknowledgement clears the alert now.
      sink.resolve(`db:guard:${table}`)
      return true
    },
    isStale: () => probe === null || Date.now() - probe.measuredAt.getTime() > 2.5 * config.probeIntervalS * 1000,
    onProbe: (fn) => { listeners.push(fn) },
  }
}

function stripPassword (u: string): string {
  try { const x = new URL(u); x.password = ''; return x.toString() } catch { return u }
}
