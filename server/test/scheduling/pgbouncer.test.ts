import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../../src/scheduling/migrate.js'
import { startPgBouncer, type PgBouncer } from '../database/helpers/pgbouncer.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'
import { as, at, befriend, createGame, createPlayer, post, propose, type TestPlayer } from './helpers.js'

const PARTS = { parts: { errors: false, database: false, alerts: false, web: false } }

/**
 * The compose file sends DATABASE_URL through PgBouncer in transaction pooling (the real Debian
 * pgbouncer here, 1.18: no prepared-statement tracking). Consecutive transactions of one client
 * connection land on different server connections, so a statement prepared in one is unknown in
 * the next, and two clients preparing on the same server connection collide.
 */
describe.skipIf(!(await have('postgres', 'pgbouncer')))('scheduling core behind PgBouncer in transaction pooling', () => {
  let db: TestDatabase
  let bouncer: PgBouncer

  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_bouncer')
    // Migrations run on a direct connection (compose's migrate service), as node-pg-migrate's
    // session-level advisory lock needs one.
    const direct = new pg.Pool({ connectionString: db.url, max: 1 })
    try {
      await migrate(direct, { info: () => {}, warn: () => {} })
    } finally {
      await direct.end()
    }
    bouncer = await startPgBouncer(Number(new URL(PG_ADMIN_URL).port || 5432), db.name, 4)
  })
  afterAll(async () => { await bouncer?.destroy(); await db?.drop() })

  async function appVia (poolMode: 'session' | 'transaction'): Promise<TestApp> {
    return buildTestApp({
      DATABASE_URL: bouncer.appUrl(),
      DATABASE_POOL_MODE: poolMode,
      MONITOR_DATABASE_URL: db.url,
      TOVWATCH_DATABASE_URL: db.url,
    }, PARTS)
  }

  async function pairs (app: TestApp['app'], n: number, prefix: string): Promise<Array<[TestPlayer, TestPlayer]>> {
    const out: Array<[TestPlayer, TestPlayer]> = []
    for (let i = 0; i < n; i++) {
      const a = await createPlayer(app, `${prefix} organizer ${i}`, 'Europe/Berlin')
      const b = await createPlayer(app, `${prefix} invitee ${i}`, 'America/New_York')
      await befriend(app, a, b)
      out.push([a, b])
    }
    return out
  }

  it('with DATABASE_POOL_MODE=transaction books, refuses overlaps, declines and searches through PgBouncer', async () => {
    const t = await appVia('transaction')
    try {
      const { app } = t
      const health = await app.inject({ method: 'GET', url: '/logs/api/health' })
      expect(health.json().dependencies.scheduling).toMatchObject({ status: 'up' })
      const game = await createGame(app)

      // 12 independent pairs accept at once: 10 client connections over 4 server connections.
      const ps = await pairs(app, 12, 'tx')
      const requests = await Promise.all(ps.map(([a, b], i) => propose(app, a, b, game, at(3 + (i % 5), 10 + (i % 6)), 60)))
      for (const r of requests) expect(r.statusCode, r.body).toBe(201)
      const accepts = await Promise.all(requests.map((r, i) => post(app, ps[i]![1], `/api/requests/${r.json().id}/accept`)))
      for (const r of accepts) expect(r.statusCode, r.body).toBe(200)
      const sessionIds = new Set(accepts.map((r) => r.json().session.id))
      expect(sessionIds.size).toBe(12)

      // One hub, eight overlapping invitations accepted at once: exactly one session, seven clear 409s.
      const hub = await createPlayer(app, 'tx hub', 'Asia/Jerusalem')
      const friends: TestPlayer[] = []
      for (let i = 0; i < 8; i++) {
        const f = await createPlayer(app, `tx friend ${i}`)
        await befriend(app, f, hub)
        friends.push(f)
      }
      const base = new Date(at(9, 14)).getTime()
      const invites = await Promise.all(friends.map((f, i) => propose(app, f, hub, game, new Date(base + i * 60_000).toISOString(), 60)))
      for (const r of invites) expect(r.statusCode, r.body).toBe(201)
      const raced = await Promise.all(invites.map((r) => post(app, hub, `/api/requests/${r.json().id}/accept`)))
      expect(raced.filter((r) => r.statusCode === 200)).toHaveLength(1)
      const refused = raced.filter((r) => r.statusCode === 409)
      expect(refused).toHaveLength(7)
      for (const r of refused) expect(r.json()).toMatchObject({ reason: 'overlap', message: expect.stringMatching(/^This time overlaps your session /) })

      // A decline (lockOwn's named statement in session mode) and the free-slot search.
      const [a, b] = ps[0]!
      const extra = await propose(app, a, b, game, at(20, 9), 30)
      expect(extra.statusCode, extra.body).toBe(201)
      const declined = await post(app, b, `/api/requests/${extra.json().id}/decline`)
      expect(declined.statusCode, declined.body).toBe(200)
      expect(declined.json().status).toBe('declined')
      const free = await app.inject({ method: 'GET', url: `/api/availability/free?with=${b.id}&weeks=1`, headers: as(a.token, null) })
      expect(free.statusCode, free.body).toBe(200)
      expect(free.json().items.length).toBeGreaterThan(0)

      const counts = await t.deps.pg.monitor.query<{ s: number, a: number }>(
        "SELECT (SELECT count(*)::int FROM sessions) AS s, (SELECT count(*)::int FROM audit_log WHERE action = 'session.schedule') AS a")
      expect(counts.rows[0]).toEqual({ s: 13, a: 13 })
    } finally {
      await t.close()
    }
  }, 180_000)

  it('with DATABASE_POOL_MODE=session the same accepts break on PgBouncer\'s shared server connections (why the setting exists)', async () => {
    const t = await appVia('session')
    try {
      const { app } = t
      const game = await createGame(app)
      const ps = await pairs(app, 10, 'session')
      // Proposals load availability with a named statement too, so some may already fail.
      const requests = await Promise.all(ps.map(([a, b], i) => propose(app, a, b, game, at(30 + i, 12), 60)))
      const accepts = await Promise.all(requests.flatMap((r, i) => r.statusCode === 201 ? [post(app, ps[i]![1], `/api/requests/${r.json().id}/accept`)] : []))
      const all = [...requests, ...accepts]
      expect(all.filter((r) => r.statusCode >= 500).length).toBeGreaterThan(0)
      expect(all.every((r) => [200, 201].includes(r.statusCode) || r.statusCode >= 500)).toBe(true)
    } finally {
      await t.close()
    }
  }, 180_000)
})
