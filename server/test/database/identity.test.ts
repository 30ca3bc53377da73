import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { havePgBin } from './helpers/pgbin.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'
import { PASSWORD, PASSWORD_ROLE, startPrivateCluster, type PrivateCluster } from './helpers/cluster.js'
import { alertNames, buildWatchApp, CORE_SCHEMA, probe, sql, until } from './helpers/watch.js'

let t: TestApp | undefined
let db: TestDatabase | undefined
afterEach(async () => { await t?.close(); t = undefined; await db?.drop(); db = undefined })

describe.skipIf(!(await have('postgres')))('database identity on the shared PostgreSQL', () => {
  it('alerts within one probe interval when the database is dropped while TovWatch runs', async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA + "INSERT INTO players (name) VALUES ('a'), ('b')")
    t = await buildWatchApp({ DATABASE_URL: db.url, PROBE_INTERVAL_S: '1' })
    expect(t.app.databaseWatch.snapshot().probe?.identity.ok).toBe(true)
    await sql(PG_ADMIN_URL, `DROP DATABASE "${db.name}" WITH (FORCE)`)
    const droppedAt = Date.now()
    // The timer does this on its own: no probe is triggered by the test.
    await until(() => alertNames(t as TestApp).includes('TovWatchDatabaseMissing') || undefined, 5000, 50)
    // One interval (1 s) plus the probe itself, with room for a loaded CI machine.
    expect(Date.now() - droppedAt).toBeLessThan(2500)
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })
    const body = res.json()
    expect(body.identity).toMatchObject({ ok: false, status: 'database_missing', currentDatabase: null })
    expect(body.identity.message).toContain('does not exist')
    // The table names stay; no number is shown for a database that is gone.
    const players = body.tables.find((x: { name: string }) => x.name === 'players')
    expect(players).toMatchObject({ rows: null, estimatedRows: null, totalBytes: null })
    const alert = t.app.alertSink.active().find((a) => a.alertname === 'TovWatchDatabaseMissing')
    expect(alert).toMatchObject({ severity: 'critical', view: 'database', labels: { database: db.name } })
    const health = (await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json()
    expect(health.dependencies.monitor.status).toBe('down')
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^tovwatch_pg_database_up 0$/m)
    expect(metrics).toMatch(/tovwatch_pg_probe_errors_total\{reason="(database_missing|terminated)"\} [1-9]/)
    expect(metrics).not.toMatch(/^tovwatch_pg_table_rows\{/m)
  })

  it('says so loudly when it is connected to another database than the expected one', async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA)
    t = await buildWatchApp({ DATABASE_URL: db.url, EXPECTED_DATABASE: 'TovPlay' })
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ ok: false, status: 'wrong_database', expectedDatabase: 'TovPlay', currentDatabase: db.name })
    expect(s.probe?.identity.message).toContain(`Connected to database "${db.name}", but "TovPlay" is expected`)
    expect(s.tables).toEqual([])
    expect(alertNames(t).filter((n) => n !== 'TovWatchBackupStale')).toEqual(['TovWatchIdentityMismatch'])
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^tovwatch_pg_identity_ok 0$/m)
    expect(metrics).not.toMatch(/^tovwatch_pg_table_rows\{/m)
  })

  it('tells a database that does not exist apart from an unreachable server', async () => {
    const u = new URL(PG_ADMIN_URL)
    u.pathname = '/tw_no_such_database'
    t = await buildWatchApp({ DATABASE_URL: PG_ADMIN_URL, MONITOR_DATABASE_URL: u.toString() })
    expect((await probe(t)).probe?.identity.status).toBe('database_missing')
    expect(alertNames(t)).toContain('TovWatchDatabaseMissing')
    await t.close()
    t = await buildWatchApp({ DATABASE_URL: PG_ADMIN_URL, MONITOR_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/postgres' })
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ status: 'unreachable' })
    expect(s.probe?.identity.message).toContain('ECONNREFUSED')
    expect(alertNames(t)).toContain('TovWatchDatabaseUnreachable')
    expect(alertNames(t)).not.toContain('TovWatchDatabaseMissing')
  })
})

describe.skipIf(!(await have('postgres')) || !havePgBin())('database identity on a private cluster', () => {
  let cluster: PrivateCluster
  beforeAll(async () => {
    cluster = await startPrivateCluster()
    await sql(cluster.url(), 'CREATE DATABASE "TovPlay"')
    await sql(cluster.url(), `CREATE ROLE ${PASSWORD_ROLE} LOGIN PASSWORD '${PASSWORD}'`)
    await sql(cluster.url('TovPlay'), CORE_SCHEMA + "INSERT INTO players (name) VALUES ('a'), ('b'), ('c')")
  })
  afterAll(async () => { await cluster?.destroy() })

  it('survives PostgreSQL stopped and restarted: an alert, then recovery on its own', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), PROBE_INTERVAL_S: '1' })
    expect(t.app.databaseWatch.snapshot().probe?.identity.ok).toBe(true)
    await cluster.stop()
    await until(() => alertNames(t as TestApp).includes('TovWatchDatabaseUnreachable') || undefined, 8000)
    const down = (await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })).json()
    expect(down.identity.status).toBe('unreachable')
    expect(down.tables.find((x: { name: string }) => x.name === 'players').rows).toBeNull()
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json().dependencies.monitor.status).toBe('down')
    await cluster.start()
    await until(() => t?.app.databaseWatch.snapshot().probe?.identity.ok || undefined, 15_000)
    expect(alertNames(t)).not.toContain('TovWatchDatabaseUnreachable')
    const up = (await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth(ADMIN_TOKEN) })).json()
    expect(up.identity).toMatchObject({ ok: true, status: 'ok', currentDatabase: 'TovPlay' })
    expect(up.tables.find((x: { name: string }) => x.name === 'players').rows).toBe(3)
  })

  it('reports a refused login as authentication failed, not as unreachable', async () => {
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), MONITOR_DATABASE_URL: cluster.url('TovPlay', PASSWORD_ROLE, 'wrong-password') })
    const s = await probe(t)
    expect(s.probe?.identity.status).toBe('auth_failed')
    expect(s.probe?.identity.message).not.toContain('wrong-password')
    expect(alertNames(t).filter((n) => n !== 'TovWatchBackupStale')).toEqual(['TovWatchDatabaseAuthFailed'])
    await t.close()
    t = await buildWatchApp({ DATABASE_URL: cluster.url('TovPlay'), MONITOR_DATABASE_URL: cluster.url('TovPlay', PASSWORD_ROLE, PASSWORD) })
    expect((await probe(t)).probe?.identity.ok).toBe(true)
  })
})
