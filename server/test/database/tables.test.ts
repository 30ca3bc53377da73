import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.js'
import { auth } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { alertNames, buildWatchApp, CORE_SCHEMA, probe, sql, until } from './helpers/watch.js'

let db: TestDatabase
let t: TestApp | undefined

describe.skipIf(!(await have('postgres')))('table counts and the row-collapse guard', () => {
  beforeEach(async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA)
    await sql(db.url, "INSERT INTO players (name) SELECT 'p' || g FROM generate_series(1, 40) g; INSERT INTO \"User\" (email) SELECT 'u' || g || '@x' FROM generate_series(1, 22) g")
  })
  afterEach(async () => { await t?.close(); t = undefined; await db.drop() })

  it('counts every user table, exactly for watched ones, and watches the core tables that exist plus "User"', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ ok: true, status: 'ok', currentDatabase: db.name })
    const byName = Object.fromEntries(s.tables.map((x) => [x.name, x]))
    expect(byName.players).toMatchObject({ watched: true, rows: 40, rowsExact: true })
    expect(byName.User).toMatchObject({ watched: true, rows: 22, rowsExact: true })
    expect(byName.games).toMatchObject({ watched: true, rows: 0, rowsExact: true })
    expect(byName.players?.totalBytes).toBeGreaterThan(0)
    expect(s.guards.map((g) => g.table).sort()).toEqual(['User', 'games', 'players', 'sessions'].sort())
    expect(s.guards.every((g) => g.status === 'ok')).toBe(true)
  })

  it('reports a configured watched table that does not exist as missing from the first probe', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url, WATCHED_TABLES: 'players,public.nope' })
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ ok: false, status: 'tables_missing', missingTables: ['nope'] })
    expect(s.tables.filter((x) => x.watched).map((x) => x.name)).toEqual(['players'])
    expect(s.guards.find((g) => g.table === 'nope')).toMatchObject({ status: 'missing' })
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^tovwatch_pg_watched_table_present\{table="nope"\} 0$/m)
    expect(metrics).toMatch(/^tovwatch_pg_table_rows\{table="players"\} 40$/m)
  })

  it('reports inserts, updates and deletes since the last probe', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    await sql(db.url, "INSERT INTO games (title) SELECT 'g' || g FROM generate_series(1, 5) g; UPDATE players SET name = 'x' WHERE id <= 3; DELETE FROM players WHERE id = 40")
    // Table statistics are flushed by the writing backend at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    await probe(t)
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })
    expect(res.statusCode).toBe(200)
    const tables = Object.fromEntries(res.json().tables.map((x: { name: string }) => [x.name, x]))
    expect(tables.games).toMatchObject({ rows: 5, changeSinceLastProbe: 5, inserts: 5, updates: 0, deletes: 0 })
    expect(tables.players).toMatchObject({ rows: 39, changeSinceLastProbe: -1, updates: 3, deletes: 1 })
  })

  it('raises a critical alert with before, after and when when all rows of a watched table are deleted', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    await sql(db.url, 'DELETE FROM "User"')
    const s = await probe(t)
    const g = s.guards.find((x) => x.table === 'User')
    expect(g).toMatchObject({ status: 'collapsed', before: 22, after: 0 })
    expect(g?.at).toBe(s.probe?.measuredAt.toISOString())
    const alert = t.app.alertSink.active().find((a) => a.alertname === 'TovWatchRowCollapse')
    expect(alert).toMatchObject({ severity: 'critical', labels: { table: 'User', guard: 'collapsed' } })
    expect(alert?.description).toContain('from 22 to 0')
    // Nothing fell since: the alert stays until the rows are back.
    await probe(t)
    expect(alertNames(t)).toContain('TovWatchRowCollapse')
    await sql(db.url, "INSERT INTO \"User\" (email) SELECT 'u' || g FROM generate_series(1, 22) g")
    const after = await probe(t)
    expect(after.guards.find((x) => x.table === 'User')?.status).toBe('ok')
    expect(alertNames(t)).not.toContain('TovWatchRowCollapse')
  })

  it('raises on a fall of ROW_DROP_ALERT_PCT or more, not on a smaller one', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url, ROW_DROP_ALERT_PCT: '50' })
    await probe(t)
    await sql(db.url, 'DELETE FROM players WHERE id <= 10')
    expect((await probe(t)).guards.find((x) => x.table === 'players')?.status).toBe('ok')
    await sql(db.url, 'DELETE FROM players WHERE id <= 25')
    const g = (await probe(t)).guards.find((x) => x.table === 'players')
    expect(g).toMatchObject({ status: 'collapsed', before: 30, after: 15 })
  })

  it('detects a truncated table and a table dropped and recreated', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    await sql(db.url, 'TRUNCATE players; DROP TABLE "User"; CREATE TABLE "User" (id serial PRIMARY KEY, email text)')
    const s = await probe(t)
    expect(s.guards.find((x) => x.table === 'players')).toMatchObject({ status: 'truncated', before: 40, after: 0 })
    expect(s.guards.find((x) => x.table === 'User')).toMatchObject({ status: 'recreated', before: 22, after: 0 })
    expect(alertNames(t).filter((n) => n === 'TovWatchRowCollapse')).toHaveLength(2)
  })

  it('does not take VACUUM FULL plus a DELETE for a truncate, but catches a TRUNCATE refilled to above the collapse threshold', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    const deleted = async () => Number((await sql(db.url, "SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'players'")).rows[0].n_tup_del)
    const before = await deleted()
    await sql(db.url, 'VACUUM FULL players')
    await sql(db.url, 'DELETE FROM players WHERE id = 40')
    // The statistics reach the shared counters when the writing backend flushes them.
    await until(async () => (await deleted()) === before + 1 || undefined, 5000)
    const s = await probe(t)
    expect(s.tables.find((x) => x.name === 'players')).toMatchObject({ rows: 39, rowsExact: true })
    expect(s.guards.find((x) => x.table === 'players')).toMatchObject({ status: 'ok', after: 39 })
    expect(alertNames(t)).not.toContain('TovWatchRowCollapse')
    // TRUNCATE, then 30 rows back: a fall of 23 % (below ROW_DROP_ALERT_PCT) that no delete explains.
    await sql(db.url, "TRUNCATE players; INSERT INTO players (name) SELECT 'n' || g FROM generate_series(1, 30) g")
    const after = await probe(t)
    expect(after.guards.find((x) => x.table === 'players')).toMatchObject({ status: 'truncated', before: 39, after: 30 })
    expect(alertNames(t)).toContain('TovWatchRowCollapse')
  })

  it('reports a dropped watched table as missing, and as recreated when it comes back', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    await sql(db.url, 'DROP TABLE sessions')
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ ok: false, status: 'tables_missing', missingTables: ['sessions'] })
    expect(s.guards.find((x) => x.table === 'sessions')).toMatchObject({ status: 'missing' })
    expect(alertNames(t)).toContain('TovWatchWatchedTableMissing')
    // Other tables keep their numbers: the database itself is the right one.
    expect(s.tables.find((x) => x.name === 'players')?.rows).toBe(40)
    await sql(db.url, 'CREATE TABLE sessions (id serial PRIMARY KEY)')
    const back = await probe(t)
    expect(back.probe?.identity.ok).toBe(true)
    expect(back.guards.find((x) => x.table === 'sessions')?.status).toBe('recreated')
    expect(alertNames(t)).not.toContain('TovWatchWatchedTableMissing')
  })

  it('lets an admin reset a guard, and refuses an unknown table name', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    await sql(db.url, 'DELETE FROM "User"')
    await probe(t)
    const bad = await t.app.inject({ method: 'POST', url: '/logs/api/database/guards/reset', headers: auth('admin-token-0123456789abcdef01'), payload: { table: '"; DROP TABLE players; --' } })
    expect(bad.statusCode).toBe(404)
    const viewer = await t.app.inject({ method: 'POST', url: '/logs/api/database/guards/reset', headers: auth(), payload: { table: 'User' } })
    expect(viewer.statusCode).toBe(403)
    const ok = await t.app.inject({ method: 'POST', url: '/logs/api/database/guards/reset', headers: auth('admin-token-0123456789abcdef01'), payload: { table: 'User' } })
    expect(ok.statusCode).toBe(200)
    expect(ok.json().guards.find((g: { table: string }) => g.table === 'User').status).toBe('ok')
    expect(alertNames(t)).not.toContain('TovWatchRowCollapse')
    const audit = (await sql(db.url, 'SELECT actor, action, params FROM tovwatch_admin_audit')).rows
    expect(audit).toEqual([{ actor: 'admin', action: 'guard-reset', params: { table: 'User' } }])
    await probe(t)
    expect(alertNames(t)).not.toContain('TovWatchRowCollapse')
  })
  it('forgets a dropped default-watched table when an admin resets its "missing" guard', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url })
    await probe(t)
    await sql(db.url, 'DROP TABLE sessions')
    expect((await probe(t)).guards.find((x) => x.table === 'sessions')?.status).toBe('missing')
    const reset = await t.app.inject({ method: 'POST', url: '/logs/api/database/guards/reset', headers: auth('admin-token-0123456789abcdef01'), payload: { table: 'sessions' } })
    expect(reset.statusCode).toBe(200)
    expect(alertNames(t)).not.toContain('TovWatchWatchedTableMissing')
    // The table was retired: the next probes do not raise it again.
    for (let i = 0; i < 2; i++) {
      const s = await probe(t)
      expect(s.probe?.identity).toMatchObject({ ok: true, status: 'ok', missingTables: [] })
      expect(s.guards.map((g) => g.table)).not.toContain('sessions')
      expect(alertNames(t)).not.toContain('TovWatchWatchedTableMissing')
    }
    // Created again, it is watched again like any core table that exists.
    await sql(db.url, 'CREATE TABLE sessions (id serial PRIMARY KEY)')
    expect((await probe(t)).tables.find((x) => x.name === 'sessions')?.watched).toBe(true)
  })

  it('keeps a table named in WATCHED_TABLES required after an admin reset of its "missing" guard', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url, WATCHED_TABLES: 'players,sessions' })
    await probe(t)
    await sql(db.url, 'DROP TABLE sessions')
    await probe(t)
    const reset = await t.app.inject({ method: 'POST', url: '/logs/api/database/guards/reset', headers: auth('admin-token-0123456789abcdef01'), payload: { table: 'sessions' } })
    expect(reset.statusCode).toBe(200)
    const s = await probe(t)
    expect(s.probe?.identity).toMatchObject({ status: 'tables_missing', missingTables: ['sessions'] })
    expect(alertNames(t)).toContain('TovWatchWatchedTableMissing')
  })
})
