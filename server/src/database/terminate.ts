import type pg from 'pg'

export interface IdleConnection { pid: number, application: string, user: string, client: string, idleSeconds: number, terminated: boolean }

/**
 * The old cron's job, done carefully: client connections of the monitored database
 * idle (not idle in transaction) for more than N minutes. TovWatch's own
 * connections (its pools and the scheduling core's, by their server PIDs: an application_name
 * is whatever a client says) and the probing backend are never touched. The real run re-checks
 * the condition in the same statement that terminates, so a connection that just
 * became active is spared. pg_terminate_backend needs pg_signal_backend.
 */
const candidatesSql = (terminate: boolean) => `
SELECT a.pid, coalesce(a.application_name, '') AS application, coalesce(a.usename, '') AS "user",
  coalesce(a.client_addr::text, 'local socket') AS client,
  extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS idle_seconds,
  ${terminate ? 'pg_terminate_backend(a.pid)' : 'false'} AS terminated
FROM pg_stat_activity a
LEFT JOIN pg_roles r ON r.oid = a.usesysid
WHERE a.backend_type = 'client backend'
  AND a.datname = current_database()
  AND a.state = 'idle'
  AND a.state_change < clock_timestamp() - make_interval(secs => $1::float8 * 60)
  AND a.pid <> pg_backend_pid()
  AND NOT (a.pid = ANY($2::int[]))
  -- only a superuser may signal a superuser's backend; listing those would make the run fail
  AND (NOT coalesce(r.rolsuper, false) OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
ORDER BY a.state_change
LIMIT 1000`

export async function idleConnections (pool: pg.Pool, idleMinutes: number, terminate: boolean, ownPids: number[] = []): Promise<IdleConnection[]> {
  const r = await pool.query<{ pid: number, application: string, user: string, client: string, idle_seconds: number, terminated: boolean }>(candidatesSql(terminate), [idleMinutes, ownPids])
  return r.rows.map((x) => ({ pid: x.pid, application: x.application, user: x.user, client: x.client, idleSeconds: Math.round(x.idle_seconds), terminated: x.terminated }))
}
