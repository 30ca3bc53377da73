import type pg from 'pg'
import { classifyFailure, isConnectionLoss } from './failure.js'
import { probeConnections } from './connections.js'
import { probeTables } from './tables.js'
import type { ConnectionSample, Identity, ProbeResult } from './types.js'
import { CORE_TABLES, LEGACY_TABLES } from './watched.js'

export const EMBEDDED_UNAVAILABLE = [
  'connections: pg_stat_activity is not available on embedded PostgreSQL (it shows only its own session)',
  'table activity: live rows, inserts, updates and deletes are not available on embedded PostgreSQL (it keeps no statistics)',
  'pgbouncer: not available on embedded PostgreSQL',
]

const identitySql = `SELECT current_database() AS db, current_setting('server_version') AS version,
  to_regprocedure('tovwatch.row_count(regclass)') IS NOT NULL AS count_function,
  current_setting('max_connections')::int AS max,
  current_setting('superuser_reserved_connections')::int AS su_reserved,
  coalesce(current_setting('reserved_connections', true), '0')::int AS reserved`

interface IdentityRow { db: string, version: string, count_function: boolean, max: number, su_reserved: number, reserved: number }

export interface ProbeOptions {
  expectedDatabase: string
  embedded: boolean
  exactCountMaxRows: number
  /** Given the tables that exist, the watched ones; all of these must exist. */
  watched: (present: string[]) => Set<string>
  /**
   * Nothing but the tables can confirm the database (EXPECTED_DATABASE and WATCHED_TABLES
   * are not set, so the expected name is just the one in the URL): with no watched
   * table there, the identity is `unverified`, not ok.
   */
  confirmByTables?: boolean
  statementTimeoutMs?: number
  countLockTimeoutMs?: number
  countStatementTimeoutMs?: number
}

/**
 * One full probe on ONE connection of the monitoring pool: identity, tables,
 * connections, in one read-only transaction. A connection the server killed
 * (DROP DATABASE ... WITH (FORCE), a restart) is thrown away and one fresh
 * connection is tried, which is what tells "dropped" (3D000) from "restarting".
 */
export async function runProbe (pool: pg.Pool, opts: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now()
  const measuredAt = new Date()
  const unavailable = opts.embedded ? [...EMBEDDED_UNAVAILABLE] : []
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await probeOnce(pool, opts)
      return { ...result, measuredAt, durationMs: performance.now() - started, unavailable }
    } catch (err) {
      if (attempt === 0 && isConnectionLoss(err)) continue
      const f = classifyFailure(err, opts.expectedDatabase)
      const identity: Identity = {
        ok: false,
        status: f.status,
        message: f.message,
        expectedDatabase: opts.expectedDatabase,
        currentDatabase: null,
        serverVersion: null,
        missingTables: [],
      }
      return { measuredAt, durationMs: performance.now() - started, identity, tables: null, connections: null, unavailable, failureReason: f.reason }
    }
  }
}

async function probeOnce (pool: pg.Pool, opts: ProbeOptions): Promise<Omit<ProbeResult, 'measuredAt' | 'durationMs' | 'unavailable'>> {
  const client = await pool.connect()
  let released = false
  try {
    const start = await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${opts.statementTimeoutMs ?? 4000}; SET LOCAL lock_timeout = ${opts.countLockTimeoutMs ?? 250}; ${identitySql}`) as unknown as Array<pg.QueryResult<IdentityRow>>
    const who = start[3]?.rows[0]
    const currentDatabase = who?.db ?? null
    const serverVersion = who?.version ?? null
    const base = { expectedDatabase: opts.expectedDatabase, currentDatabase, serverVersion }
    if (currentDatabase !== opts.expectedDatabase) {
      await client.query('ROLLBACK')
      const identity: Identity = {
        ...base,
        ok: false,
        status: 'wrong_database',
        message: `Connected to database "${currentDatabase}", but "${opts.expectedDatabase}" is expected: no counts are shown until this is fixed.`,
        missingTables: [],
      }
      return { identity, tables: null, connections: null }
    }
    let required = new Set<string>()
    const tables = await probeTables(client, {
      watched: (present) => { required = opts.watched(present); return required },
      exactCountMaxRows: opts.exactCountMaxRows,
      statsAvailable: !opts.embedded,
      countLockTimeoutMs: opts.countLockTimeoutMs ?? 250,
      countStatementTimeoutMs: opts.countStatementTimeoutMs ?? 2000,
      countFunction: who?.count_function === true,
    })
    let connections: ConnectionSample | null = null
    if (opts.embedded || who === undefined) await client.query('COMMIT')
    else connections = await probeConnections(client, { max: who.max, reserved: who.su_reserved + who.reserved }, true)
    const present = new Set(tables.map((t) => t.key))
    const missingTables = [...required].filter((k) => !present.has(k)).sort()
    const identity: Identity = missingTables.length > 0
      ? { ...base, ok: false, status: 'tables_missing', message: `Watched table(s) missing from "${currentDatabase}": ${missingTables.join(', ')}.`, missingTables }
      : required.size === 0 && opts.confirmByTables === true
        ? {
            ...base,
            ok: false,
            status: 'unverified',
            message: `Connected to "${currentDatabase}" (PostgreSQL ${serverVersion}), but no TovPlay table is there: none of ${[...CORE_TABLES, ...LEGACY_TABLES].join(', ')} exists. ` +
              `This may be the wrong database. "${currentDatabase}" is only the name in the URL (EXPECTED_DATABASE and WATCHED_TABLES are not set), so no counts are shown until EXPECTED_DATABASE or WATCHED_TABLES confirms it.`,
            missingTables,
          }
        : required.size === 0
          ? { ...base, ok: true, status: 'ok', message: `Connected to "${currentDatabase}" (PostgreSQL ${serverVersion}); no table is watched (none of the scheduling core's tables exists; set WATCHED_TABLES to watch others).`, missingTables }
          : { ...base, ok: true, status: 'ok', message: `Connected to "${currentDatabase}" (PostgreSQL ${serverVersion}); all ${required.size} watched tables present.`, missingTables }
    return { identity, tables, connections }
  } catch (err) {
    // A client in an unknown state is never handed back to the pool.
    released = true
    client.release(err as Error)
    throw err
  } finally {
    if (!released) client.release()
  }
}
