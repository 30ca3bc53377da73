import type { FastifyBaseLogger } from 'fastify'
import pino from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDatabaseWatch } from '../../src/database/watch.js'
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

  it('with the defaults, does not take a database without any TovPlay table for the right one', async () => {
    // Field note 4: a URL that names the wrong database ("database" instead of "TovPlay").
    // With EXPECTED_DATABASE unset the expected name IS the URL's, so only the tables can tell.
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, 'CREATE TABLE notes (id int); INSERT INTO notes SELECT generate_series(1, 3)')
    t = await buildWatchApp({ DATABASE_URL: db.url })
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ ok: false, status: 'unverified', expectedDatabase: db.name, currentDatabase: db.name, missingTables: [] })
    expect(s.probe?.identity.message).toContain(`Connected to "${db.name}"`)
    expect(s.probe?.identity.message).toContain('no TovPlay table is there')
    expect(s.probe?.identity.message).toContain('EXPECTED_DATABASE')
    expect(s.probe?.identity.message).not.toContain('watched tables present')
    // The tables are listed, every number is withheld: never "0 rows" of a database we are not sure about.
    const res = (await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })).json()
    expect(res.identity.status).toBe('unverified')
    expect(res.tables.find((x: { name: string }) => x.name === 'notes')).toMatchObject({ rows: null, estimatedRows: null, totalBytes: null, inserts: null })
    expect(res.guards).toEqual([])
    const alert = t.app.alertSink.active().find((a) => a.alertname === 'TovWatchIdentityUnverified')
    expect(alert).toMatchObject({ severity: 'high', labels: { database: db.name }, view: 'database' })
    expect(alert?.summary).toContain('may be the wrong database')
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^tovwatch_pg_identity_ok 0$/m)
    expect(metrics).toMatch(/^tovwatch_pg_database_up 1$/m)
    expect(metrics).not.toMatch(/^tovwatch_pg_table_rows\{/m)
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json().dependencies.monitor).toMatchObject({ status: 'degraded' })
    // A TovPlay table there confirms it; so does naming the database.
    await sql(db.url, 'CREATE TABLE players (id serial PRIMARY KEY)')
    expect((await probe(t)).probe?.identity).toMatchObject({ ok: true, status: 'ok' })
    expect(alertNames(t)).not.toContain('TovWatchIdentityUnverified')
    await sql(db.url, 'DROP TABLE players')
    await t.close()
    t = await buildWatchApp({ DATABASE_URL: db.url, EXPECTED_DATABASE: db.name })
    const named = await probe(t)
    expect(named.probe?.identity).toMatchObject({ ok: true, status: 'ok' })
    expect(named.probe?.identity.message).toContain('no table is watched')
    expect(named.tables.find((x) => x.name === 'notes')).toMatchObject({ rows: 3 })
  })

  it('with the defaults, an empty database is unverified too, and EXPECTED_DATABASE unset is warned about at start', async () => {
    db = await createTestDatabase('tw_dbw')
    t = await buildWatchApp({ DATABASE_URL: db.url })
    expect((await probe(t)).probe?.identity).toMatchObject({ ok: false, status: 'unverified' })
    const lines: string[] = []
    const log = pino({ level: 'warn' }, { write: (l: string) => { lines.push(l) } }) as unknown as FastifyBaseLogger
    const opts = { monitor: t.deps.pg.monitor, store: t.deps.pg.store, kv: t.deps.kv, embedded: false, config: t.config.database, sink: t.app.alertSink, log }
    const watch = createDatabaseWatch(opts)
    await watch.start()
    await watch.stop()
    const warned = lines.map((l) => JSON.parse(l) as { level: number, msg: string })
    expect(warned.find((l) => l.msg.startsWith('EXPECTED_DATABASE is not set'))?.msg).toContain(`expects "${db.name}", the database named in the monitoring URL`)
    // Each unverified probe says so in the log too.
    expect(warned.some((l) => l.msg.includes('no TovPlay table is there'))).toBe(true)
    lines.length = 0
    const named = createDatabaseWatch({ ...opts, config: { ...t.config.database, expectedDatabase: db.name } })
    await named.start()
    await named.stop()
    expect(lines.join('')).not.toContain('EXPECTED_DATABASE is not set')
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
