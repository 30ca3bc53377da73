import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, type TestApp } from '../helpers/app.js'
import { havePgBin } from './helpers/pgbin.js'
import { have } from '../helpers/services.js'
import { startPrivateCluster, type PrivateCluster } from './helpers/cluster.js'
import { alertNames, buildWatchApp, probe, sql, until } from './helpers/watch.js'

let cluster: PrivateCluster
let t: TestApp | undefined
let clients: pg.Client[] = []

async function open (n: number, applicationName: string): Promise<pg.Client[]> {
  const out: pg.Client[] = []
  for (let i = 0; i < n; i++) {
    const c = new pg.Client({ connectionString: cluster.url('TovPlay', 'tovplay'), application_name: applicationName })
    c.on('error', () => {})
    await c.connect()
    out.push(c)
  }
  clients.push(...out)
  return out
}

async function activeCount (): Promise<number> {
  return (await sql(cluster.url(), "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'")).rows[0].n - 1
}

describe.skipIf(!(await have('postgres')) || !havePgBin())('connections on a private cluster with max_connections=20', () => {
  beforeAll(async () => {
    cluster = await startPrivateCluster({ maxConnections: 20, superuserReserved: 3 })
    await sql(cluster.url(), 'CREATE DATABASE "TovPlay"')
    await sql(cluster.url(), 'CREATE ROLE tovplay LOGIN')
    await sql(cluster.url('TovPlay'), 'CREATE TABLE players (id int); GRANT ALL ON players TO tovplay')
  })
  afterAll(async () => { await cluster?.destroy() })
  afterEach(async () => {
    await t?.close()
    t = undefined
    await Promise.all(clients.map((c) => c.end().catch(() => {})))
    clients = []
  })

  it('fires the used-% alert before the connections run out (3 left), after 2 probes', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), CONN_USED_ALERT_PCT: '80' })
    await probe(t)
    // Usable: 20 - 3 reserved = 17. Fill up until 3 remain.
    await open(17 - 3 - (await activeCount()), 'tovplay-api')
    expect(await activeCount()).toBe(14)
    const first = await probe(t)
    expect(first.probe?.connections).toMatchObject({ total: 14, maxConnections: 20, reserved: 3 })
    expect(first.probe?.connections?.usedPct).toBeCloseTo(82.4, 1)
    expect(alertNames(t)).not.toContain('TovWatchConnectionsNearLimit')
    await probe(t)
    const alert = t.app.alertSink.active().find((a) => a.alertname === 'TovWatchConnectionsNearLimit')
    expect(alert?.description).toContain('14 of 17 usable connections')
    // Still 3 free: the alert came before exhaustion, and the watch added no connection.
    expect(await activeCount()).toBe(14)
    const res = (await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth() })).json()
    expect(res.current.byApplication[0]).toEqual({ name: 'tovplay-api', count: 17 - 3 - 2 })
    expect(res.current.queries).toBeUndefined()
    expect(res.history.timestamps.length).toBeGreaterThanOrEqual(1)
    expect(res.history.total.at(-1)).toBe(14)
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^tovwatch_pg_max_connections 20$/m)
    expect(metrics).toMatch(/^tovwatch_pg_connections\{state="idle"\} \d+$/m)
    await Promise.all(clients.map((c) => c.end()))
    clients = []
    await probe(t)
    expect(alertNames(t)).not.toContain('TovWatchConnectionsNearLimit')
  })

  it('shows states, lock waits, idle-in-transaction age and masked query texts for admins only', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), IDLE_IN_TX_ALERT_S: '1' })
    const [idleTx, locker, waiter, sleeper] = await open(4, 'tovplay-worker') as [pg.Client, pg.Client, pg.Client, pg.Client]
    await idleTx.query("BEGIN; SELECT relname FROM pg_class WHERE oid = 4242 AND 'secret@example.com' <> ''")
    await locker.query('BEGIN; LOCK TABLE players IN ACCESS EXCLUSIVE MODE')
    const waiting = waiter.query('SELECT count(*) FROM players').catch(() => {})
    const sleeping = sleeper.query("SELECT pg_sleep(30), 'hidden value'").catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const s = await probe(t)
    const c = s.probe?.connections
    expect(c?.byState.idle_in_transaction).toBe(2)
    expect(c?.byState.active).toBeGreaterThanOrEqual(3)
    expect(c?.waitingOnLocks).toBe(1)
    expect(c?.oldestIdleInTxSeconds).toBeGreaterThan(1)
    expect(c?.longestQuerySeconds).toBeGreaterThan(1)
    expect(alertNames(t)).toContain('TovWatchIdleInTransaction')
    const viewer = (await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth() })).json()
    expect(viewer.current.queries).toBeUndefined()
    const admin = (await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth(ADMIN_TOKEN) })).json()
    const texts = admin.current.queries.map((x: { query: string }) => x.query).join('\n')
    expect(texts).toContain('SELECT relname FROM pg_class WHERE oid = ? AND ? <> ?')
    expect(texts).toContain('SELECT pg_sleep(?), ?')
    expect(texts).not.toMatch(/secret@example|hidden value|4242/)
    await sql(cluster.url(), "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")
    await locker.query('ROLLBACK')
    await Promise.all([waiting, sleeping])
    await idleTx.query('ROLLBACK')
    await probe(t)
    expect(alertNames(t)).not.toContain('TovWatchIdleInTransaction')
  })

  it('terminates idle connections only for an admin, only when allowed, dry run first, audited', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay') })
    await open(3, 'tovplay-leaky')
    // A client may call itself anything: TovWatch spares its own connections by server PID only.
    await open(1, 'tovwatch-impostor')
    const url = '/logs/api/connections/terminate-idle'
    const off = await t.app.inject({ method: 'POST', url, headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 0, dryRun: true } })
    expect(off.statusCode).toBe(403)
    expect(off.json().message).toContain('ALLOW_TERMINATE_IDLE')
    await t.close()
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), ALLOW_TERMINATE_IDLE: 'true' })
    await probe(t)
    const viewer = await t.app.inject({ method: 'POST', url, headers: auth(), payload: { idleMinutes: 0, dryRun: true } })
    expect(viewer.statusCode).toBe(403)
    const bad = await t.app.inject({ method: 'POST', url, headers: auth(ADMIN_TOKEN), payload: { idleMinutes: -1, dryRun: true } })
    expect(bad.statusCode).toBe(400)
    const dry = await t.app.inject({ method: 'POST', url, headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 0, dryRun: true } })
    expect(dry.statusCode).toBe(200)
    const listed = dry.json().connections
    expect(listed.filter((x: { application: string }) => x.application === 'tovplay-leaky')).toHaveLength(3)
    expect(listed.filter((x: { application: string }) => x.application === 'tovwatch-impostor')).toHaveLength(1)
    const own = t.deps.pg.ownPids?.() ?? []
    expect(own.length).toBeGreaterThan(0)
    expect(listed.some((x: { pid: number }) => own.includes(x.pid))).toBe(false)
    expect(listed.every((x: { terminated: boolean }) => !x.terminated)).toBe(true)
    expect(await activeCount()).toBeGreaterThanOrEqual(3)
    const real = await t.app.inject({ method: 'POST', url, headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 0, dryRun: false } })
    expect(real.statusCode).toBe(200)
    const done = real.json()
    expect(done.connections.filter((x: { terminated: boolean, application: string }) => x.terminated && x.application === 'tovplay-leaky')).toHaveLength(3)
    await until(async () => (await sql(cluster.url('TovPlay'), "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tovplay-leaky'")).rows[0].n === 0 || undefined)
    const audit = (await sql(cluster.url('TovPlay'), 'SELECT actor, action, params, result FROM tovwatch_admin_audit WHERE id = $1', [done.auditId])).rows[0]
    expect(audit).toMatchObject({ actor: 'admin', action: 'terminate-idle', params: { idleMinutes: 0 } })
    expect(audit.result.terminated).toHaveLength(done.connections.filter((x: { terminated: boolean }) => x.terminated).length)
    // TovWatch's own monitor connection survived.
    expect((await probe(t)).probe?.identity.ok).toBe(true)
  })

  it('refuses to act unaudited when the audit store is down', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), TOVWATCH_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/tovwatch', ALLOW_TERMINATE_IDLE: 'true' })
    await open(2, 'tovplay-leaky')
    const res = await t.app.inject({ method: 'POST', url: '/logs/api/connections/terminate-idle', headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 0, dryRun: false } })
    expect(res.statusCode).toBe(503)
    expect(res.json().message).toContain('nothing was terminated')
    expect((await sql(cluster.url('TovPlay'), "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'tovplay-leaky'")).rows[0].n).toBe(2)
  })
})
