import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Value } from 'typebox/value'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionsResponse, DatabaseResponse } from '../../src/database/schemas.js'
import { ADMIN_TOKEN, auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { alertNames, buildWatchApp, CORE_SCHEMA, probe, sql } from './helpers/watch.js'

let t: TestApp | undefined
let db: TestDatabase | undefined
let backupDir: string | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
  await db?.drop()
  db = undefined
  if (backupDir !== undefined) fs.rmSync(backupDir, { recursive: true, force: true })
  backupDir = undefined
})

function sidecar (dir: string, finishedAt: Date) {
  const stamp = finishedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  fs.writeFileSync(path.join(dir, `tovplay-${stamp}.dump`), 'x')
  fs.writeFileSync(path.join(dir, `tovplay-${stamp}.dump.ok.json`), JSON.stringify({ file: `tovplay-${stamp}.dump`, finishedAt: finishedAt.toISOString(), bytes: 1, database: 'TovPlay' }))
}

describe('database API on the embedded PGlite', () => {
  it('serves the probes it supports and lists the others as unavailable, never as zero', async () => {
    t = await buildWatchApp({})
    expect(t.deps.pg.kind).toBe('embedded')
    await sql(embeddedUrl(t), 'CREATE TABLE players (id int); INSERT INTO players SELECT generate_series(1, 7)')
    await probe(t)
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(Value.Check(DatabaseResponse, body)).toBe(true)
    expect(body).toMatchObject({ embedded: true, identity: { ok: true, status: 'ok', currentDatabase: 'postgres' } })
    expect(body.identity.serverVersion).toMatch(/^1[5-9]/)
    const players = body.tables.find((x: { name: string }) => x.name === 'players')
    expect(players).toMatchObject({ watched: true, rows: 7, rowsExact: true, inserts: null, updates: null, deletes: null })
    expect(players.totalBytes).toBeGreaterThan(0)
    expect(body.unavailable.join('\n')).toMatch(/pg_stat_activity is not available on embedded PostgreSQL/)
    const conn = (await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth(ADMIN_TOKEN) })).json()
    expect(Value.Check(ConnectionsResponse, conn)).toBe(true)
    expect(conn.current).toBeNull()
    expect(conn.history.timestamps).toEqual([])
    expect(conn.pgbouncer.status).toBe('disabled')
    expect(conn.unavailable.length).toBeGreaterThan(0)
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/^tovwatch_pg_table_rows\{table="players"\} 7$/m)
    expect(metrics).not.toMatch(/^tovwatch_pg_connections\{/m)
    const term = await t.app.inject({ method: 'POST', url: '/logs/api/connections/terminate-idle', headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 5, dryRun: true } })
    expect(term.statusCode).toBe(403)
    // A login or an embed token is required.
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/database' })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/connections' })).statusCode).toBe(401)
  }, 120_000) // PGlite boots in seconds, but in tens of them on a loaded 2-core CI machine
})

function embeddedUrl (x: TestApp): string {
  // The monitor pool's own connection string (PGlite's socket server).
  return (x.deps.pg.monitor as unknown as { options: { connectionString: string } }).options.connectionString
}

describe.skipIf(!(await have('postgres')))('database API on the real PostgreSQL', () => {
  it('matches the shared shapes, says when it measured, and marks stale answers', async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, CORE_SCHEMA)
    t = await buildWatchApp({ DATABASE_URL: db.url, PROBE_INTERVAL_S: '1' })
    await probe(t)
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })
    const body = res.json()
    expect(Value.Check(DatabaseResponse, body)).toBe(true)
    expect(body).toMatchObject({ probeIntervalS: 1, stale: false, embedded: false, unavailable: [] })
    expect(Date.now() - Date.parse(body.measuredAt)).toBeLessThan(2000)
    for (const table of body.tables) expect(table.measuredAt).toBe(body.measuredAt)
    const conn = (await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth(ADMIN_TOKEN) })).json()
    expect(Value.Check(ConnectionsResponse, conn)).toBe(true)
    expect(conn.current.byState.active).toBeGreaterThanOrEqual(1)
    expect(Array.isArray(conn.current.queries)).toBe(true)
    // Stop the timer: after 2.5 intervals without a probe the answer says it is stale.
    await t.app.databaseWatch.stop()
    await new Promise((resolve) => setTimeout(resolve, 2700))
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/database', headers: auth() })).json().stale).toBe(true)
  })

  it('shows the age of the newest verified backup and alerts when it is too old or missing', async () => {
    db = await createTestDatabase('tw_dbw')
    backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-backups-'))
    t = await buildWatchApp({ DATABASE_URL: db.url, BACKUP_DIR: backupDir, BACKUP_MAX_AGE_H: '6' })
    let s = await probe(t)
    expect(s.backup).toMatchObject({ source: 'dir', stale: true, lastGoodAt: null, message: `no backup found in ${backupDir}` })
    expect(alertNames(t)).toContain('TovWatchBackupStale')
    sidecar(backupDir, new Date(Date.now() - 8 * 3600_000))
    // A dump without its .ok.json was never verified: it does not count.
    fs.writeFileSync(path.join(backupDir, 'tovplay-29990101T000000Z.dump'), 'unverified')
    s = await probe(t)
    expect(s.backup?.stale).toBe(true)
    expect(s.backup?.ageSeconds).toBeGreaterThan(8 * 3600 - 10)
    expect(s.backup?.message).toContain('older than BACKUP_MAX_AGE_H (6 h)')
    const fresh = new Date(Date.now() - 3600_000)
    sidecar(backupDir, fresh)
    s = await probe(t)
    expect(s.backup).toMatchObject({ stale: false, lastGoodAt: fresh.toISOString() })
    expect(alertNames(t)).not.toContain('TovWatchBackupStale')
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(new RegExp(`^tovwatch_backup_last_success_timestamp_seconds ${fresh.getTime() / 1000}$`, 'm'))
    expect(metrics).toMatch(/^tovwatch_backup_age_seconds 3[56]\d\d$/m)
  })

  it('reads backup freshness from a table of backup records when BACKUP_TABLE is set', async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, 'CREATE TABLE backup_runs (finished_at timestamptz, ok boolean)')
    await sql(db.url, "INSERT INTO backup_runs VALUES (now() - interval '2 hours', true), (now() - interval '10 minutes', false)")
    t = await buildWatchApp({ DATABASE_URL: db.url, BACKUP_TABLE: 'public.backup_runs' })
    const s = await probe(t)
    expect(s.backup).toMatchObject({ source: 'table', stale: false })
    expect(s.backup?.ageSeconds).toBeGreaterThan(7190)
    expect(s.backup?.ageSeconds).toBeLessThan(7300)
  })
})
