import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.js'
import { alertNames, buildWatchApp, probe, sql } from './helpers/watch.js'

let db: TestDatabase
let bouncer: PgBouncer
let t: TestApp | undefined

describe.skipIf(!(await have('postgres', 'pgbouncer')))('PgBouncer admin console (real pgbouncer)', () => {
  beforeAll(async () => {
    db = await createTestDatabase('tw_dbw')
    await sql(db.url, 'CREATE TABLE players (id int)')
    bouncer = await startPgBouncer(Number(new URL(PG_ADMIN_URL).port || 5432), db.name)
  })
  afterAll(async () => { await bouncer?.destroy(); await db?.drop() })
  afterEach(async () => { await t?.close(); t = undefined })

  it('reads SHOW POOLS, SHOW STATS and SHOW LISTS, and alerts on clients waiting too long', async () => {
    const holder = new pg.Client({ connectionString: bouncer.appUrl() })
    const waiter = new pg.Client({ connectionString: bouncer.appUrl() })
    await holder.connect()
    await waiter.connect()
    try {
      t = await buildWatchApp({ DATABASE_URL: db.url, PGBOUNCER_ADMIN_URL: bouncer.adminUrl(), PGBOUNCER_WAIT_ALERT_S: '1' })
      const idle = await probe(t)
      expect(idle.pgbouncer.status).toBe('up')
      expect(idle.pgbouncer.pools).toEqual([expect.objectContaining({ database: 'TovPlay', user: 'postgres', poolMode: 'transaction', clWaiting: 0 })])
      expect(idle.pgbouncer.lists).toHaveProperty('pools')
      expect(idle.pgbouncer.stats[0]).toMatchObject({ database: 'TovPlay' })
      // pool_size=1: one open transaction holds the only server connection.
      await holder.query('BEGIN; SELECT 1')
      const waiting = waiter.query('SELECT 2')
      await new Promise((resolve) => setTimeout(resolve, 1600))
      const s = await probe(t)
      const pool = s.pgbouncer.pools[0]
      expect(pool).toMatchObject({ clWaiting: 1, svActive: 1 })
      expect(pool?.maxWaitSeconds).toBeGreaterThan(1)
      const alert = t.app.alertSink.active().find((a) => a.alertname === 'TovWatchPgBouncerClientsWaiting')
      expect(alert?.description).toContain('TovPlay/postgres: 1 waiting')
      const res = (await t.app.inject({ method: 'GET', url: '/logs/api/connections', headers: auth() })).json()
      expect(res.pgbouncer.pools[0]).toMatchObject({ database: 'TovPlay', clWaiting: 1 })
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metrics).toMatch(/^tovwatch_pgbouncer_clients_waiting\{pool="TovPlay\/postgres"\} 1$/m)
      expect(metrics).toMatch(/^tovwatch_pgbouncer_up 1$/m)
      await holder.query('COMMIT')
      await waiting
      await probe(t)
      expect(alertNames(t)).not.toContain('TovWatchPgBouncerClientsWaiting')
    } finally {
      await holder.end()
      await waiter.end()
    }
  })

  it('reports a bad admin password as auth_failed with a clear message, never a crash', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url, PGBOUNCER_ADMIN_URL: bouncer.adminUrl('wrong-password') })
    const s = await probe(t)
    expect(s.pgbouncer.status).toBe('auth_failed')
    expect(s.pgbouncer.message).toContain('refused the admin login')
    expect(s.pgbouncer.message).not.toContain('wrong-password')
    expect(s.probe?.identity.ok).toBe(true)
    const alert = t.app.alertSink.active().find((a) => a.alertname === 'TovWatchPgBouncerDown')
    expect(alert?.labels).toEqual({ reason: 'auth_failed' })
    const health = (await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json()
    expect(health.dependencies.pgbouncer.status).toBe('down')
  })

  it('reports PgBouncer down when it stops, and up again when it is back', async () => {
    t = await buildWatchApp({ DATABASE_URL: db.url, PGBOUNCER_ADMIN_URL: bouncer.adminUrl() })
    expect((await probe(t)).pgbouncer.status).toBe('up')
    await bouncer.stop()
    try {
      const s = await probe(t)
      expect(s.pgbouncer).toMatchObject({ status: 'down', pools: [] })
      expect(s.pgbouncer.message).toContain('unreachable')
      expect(alertNames(t)).toContain('TovWatchPgBouncerDown')
      const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      expect(metrics).toMatch(/^tovwatch_pgbouncer_up 0$/m)
      expect(metrics).not.toMatch(/^tovwatch_pgbouncer_clients_waiting\{/m)
    } finally {
      await bouncer.start()
    }
    expect((await probe(t)).pgbouncer.status).toBe('up')
    expect(alertNames(t)).not.toContain('TovWatchPgBouncerDown')
  })
})
