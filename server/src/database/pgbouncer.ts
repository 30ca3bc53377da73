import pg from 'pg'
import { PG_CODES, pgErrorCode } from '../infra/postgres.js'
import { redactText } from '../infra/logger.js'

export interface PgBouncerPool {
  database: string, user: string, clActive: number, clWaiting: number, svActive: number, svIdle: number, maxWaitSeconds: number, poolMode: string
}

export interface PgBouncerState {
  status: 'up' | 'down' | 'auth_failed' | 'disabled'
  message: string
  measuredAt: string | null
  pools: PgBouncerPool[]
  stats: Array<Record<string, string | number>>
  lists: Record<string, number>
}

const MAX_POOLS = 50
const TIMEOUT_MS = 3000

/**
 * PgBouncer's admin console speaks only the simple query protocol and rejects
 * unknown startup parameters, so: no statement_timeout parameter, queries without
 * values (pg then sends them as simple queries), a client-side timeout instead.
 */
export async function probePgBouncer (adminUrl: string): Promise<PgBouncerState> {
  const measuredAt = new Date().toISOString()
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS, application_name: 'tovwatch' })
  client.on('error', () => {})
  try {
    await client.connect()
    const pools = (await client.query<Record<string, string | null>>({ text: 'SHOW POOLS' })).rows
    const stats = (await client.query<Record<string, string | null>>({ text: 'SHOW STATS' })).rows
    const lists = (await client.query<{ list: string, items: string }>({ text: 'SHOW LISTS' })).rows
    const shaped = pools
      .filter((p) => p.database !== 'pgbouncer')
      .slice(0, MAX_POOLS)
      .map((p) => ({
        database: p.database ?? '',
        user: p.user ?? '',
        clActive: int(p.cl_active),
        clWaiting: int(p.cl_waiting),
        svActive: int(p.sv_active),
        svIdle: int(p.sv_idle),
        maxWaitSeconds: int(p.maxwait) + int(p.maxwait_us) / 1e6,
        poolMode: p.pool_mode ?? '',
      }))
    return {
      status: 'up',
      message: `${shaped.length} pool(s); ${shaped.reduce((s, p) => s + p.clWaiting, 0)} client(s) waiting`,
      measuredAt,
      pools: shaped,
      stats: stats.filter((s) => s.database !== 'pgbouncer').slice(0, MAX_POOLS).map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'database' ? String(v) : int(v)]))),
      lists: Object.fromEntries(lists.map((l) => [l.list, int(l.items)])),
    }
  } catch (err) {
    const code = pgErrorCode(err)
    const text = redactText((err as Error).message)
    if (code === PG_CODES.invalidPassword || code === PG_CODES.invalidAuthorization || /password authentication failed|not allowed|no such user/i.test(text)) {
      return { status: 'auth_failed', message: `PgBouncer refused the admin login: ${text}. Check PGBOUNCER_ADMIN_URL and admin_users/stats_users in pgbouncer.ini.`, measuredAt, pools: [], stats: [], lists: {} }
    }
    return { status: 'down', message: `PgBouncer admin console is unreachable: ${text}`, measuredAt, pools: [], stats: [], lists: {} }
  } finally {
    await client.end().catch(() => {})
  }
}

const int = (v: string | number | null | undefined) => {
  const n = Number(v ?? 0)
  return Number.isFinite(n) ? n : 0
}
