import type pg from 'pg'
import { maskQuery } from './mask.js'
import type { ConnectionSample } from './types.js'

/** Top N applications and clients; the rest is summed as "other" so labels and charts stay bounded. */
export const TOP_N = 10
const QUERY_LIMIT = 50
export const SESSIONS_LIMIT = 500

const activitySql = `
SELECT a.pid, a.state, coalesce(a.application_name, '') AS app, host(a.client_addr) AS client, coalesce(a.usename, '') AS usename,
  a.backend_start, a.state_change,
  extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS state_age,
  extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age,
  extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS query_age,
  a.wait_event_type AS wait, a.query, a.pid = pg_backend_pid() AS self
FROM pg_stat_activity a
WHERE a.backend_type = 'client backend'`

interface ActivityRow {
  pid: number,
  state: string | null,
  app: string,
  client: string | null
  usename?: string
  backend_start?: Date | null
  state_change?: Date | null
  state_age: number | null,
  xact_age: number | null,
  query_age: number | null
  wait: string | null,
  query: string | null,
  self: boolean
}

/** `reserved`: superuser_reserved_connections + reserved_connections (PG 16+). `commit` ends the probe's transaction in the same round trip. */
export async function probeConnections (client: pg.ClientBase, limits: { max: number, reserved: number }, commit: boolean): Promise<ConnectionSample> {
  const r = await client.query(commit ? `${activitySql}; COMMIT` : activitySql) as unknown as pg.QueryResult<ActivityRow> | Array<pg.QueryResult<ActivityRow>>
  const rows = Array.isArray(r) ? r[0]?.rows ?? [] : r.rows
  return summarize(rows, limits.max, limits.reserved)
}

export function summarize (rows: ActivityRow[], maxConnections: number, reserved: number): ConnectionSample {
  const byState = { active: 0, idle: 0, idle_in_transaction: 0, idle_in_transaction_aborted: 0, other: 0 }
  const apps = new Map<string, number>()
  const clients = new Map<string, number>()
  let oldestIdleInTx: number | null = null
  let longest: number | null = null
  let waiting = 0
  const queries: ConnectionSample['queries'] = []
  const sessions: ConnectionSample['sessions'] = []
  for (const r of rows) {
    const state = r.state ?? ''
    if (state === 'active') {
      byState.active++
      // Our own probe is always "active"; it is not a long-running query.
      if (!r.self && r.query_age !== null) longest = Math.max(longest ?? 0, r.query_age)
    } else if (state === 'idle') byState.idle++
    else if (state === 'idle in transaction') byState.idle_in_transaction++
    else if (state === 'idle in transaction (aborted)') byState.idle_in_transaction_aborted++
    else byState.other++
    if (state.startsWith('idle in transaction')) {
      const age = r.state_age ?? r.xact_age
      if (age !== null) oldestIdleInTx = Math.max(oldestIdleInTx ?? 0, age)
    }
    if (r.wait === 'Lock') waiting++
    const app = r.app === '' ? '(none)' : r.app
    apps.set(app, (apps.get(app) ?? 0) + 1)
    const c = r.client ?? 'local socket'
    clients.set(c, (clients.get(c) ?? 0) + 1)
    if (!r.self) {
      sessions.push({
        pid: r.pid,
        application: app,
        user: r.usename ?? '',
        client: c,
        state: state || 'unknown',
        backendStart: iso(r.backend_start),
        stateSince: iso(r.state_change),
        stateSeconds: r.state_age === null ? null : round(r.state_age),
        xactSeconds: r.xact_age === null ? null : round(r.xact_age),
        query: r.query === null ? null : maskQuery(r.query),
      })
    }
    if (!r.self && state !== 'idle' && r.query !== null) {
      const age = state === 'active' ? r.query_age : r.state_age
      queries.push({ pid: r.pid, state: state || 'unknown', application: app, ageSeconds: round(age ?? 0), query: maskQuery(r.query) })
    }
  }
  queries.sort((a, b) => b.ageSeconds - a.ageSeconds)
  const total = rows.length
  const usable = Math.max(1, maxConnections - reserved)
  return {
    byState,
    total,
    maxConnections,
    reserved,
    usedPct: Math.round((total / usable) * 1000) / 10,
    byApplication: topN(apps).map(([name, count]) => ({ name, count })),
    byClient: topN(clients).map(([client, count]) => ({ client, count })),
    oldestIdleInTxSeconds: oldestIdleInTx === null ? null : round(oldestIdleInTx),
    longestQuerySeconds: longest === null ? null : round(longest),
    waitingOnLocks: waiting,
    queries: queries.slice(0, QUERY_LIMIT),
    sessions: sessions.sort(idleFirst).slice(0, SESSIONS_LIMIT),
  }
}

function topN (m: Map<string, number>): Array<[string, number]> {
  const sorted = [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  if (sorted.length <= TOP_N) return sorted
  const rest = sorted.slice(TOP_N - 1).reduce((s, [, n]) => s + n, 0)
  return [...sorted.slice(0, TOP_N - 1), ['other', rest]]
}

const round = (s: number) => Math.round(s * 10) / 10

const IDLE_ORDER: Record<string, number> = { 'idle in transaction': 0, 'idle in transaction (aborted)': 0, idle: 1 }

/** Idle in a transaction first (it holds locks), then idle, then the rest; longest in that state first. */
function idleFirst (a: ConnectionSample['sessions'][number], b: ConnectionSample['sessions'][number]): number {
  return (IDLE_ORDER[a.state] ?? 2) - (IDLE_ORDER[b.state] ?? 2) || (b.stateSeconds ?? -1) - (a.stateSeconds ?? -1) || a.pid - b.pid
}

function iso (d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null
  const x = d instanceof Date ? d : new Date(d)
  return Number.isNaN(x.getTime()) ? null : x.toISOString()
}
