import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { at, befriend, createGame, createPlayer, post, propose, type TestPlayer } from './helpers.js'

describe.skipIf(!(await have('postgres')))('race: concurrent accepts against the real PostgreSQL', () => {
  let db: TestDatabase
  let t: TestApp
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_race')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  it('50 concurrent accepts of overlapping requests give exactly one session; the rest get a clear 409', async () => {
    const { app } = t
    const hub = await createPlayer(app, 'Hub', 'Europe/London')
    const game = await createGame(app)
    const friends: TestPlayer[] = []
    for (let i = 0; i < 50; i++) {
      const f = await createPlayer(app, `Friend ${i}`, i % 2 === 0 ? 'America/New_York' : 'Asia/Jerusalem')
      await befriend(app, f, hub)
      friends.push(f)
    }
    // Every request starts within 49 minutes of the first and lasts an hour: all overlap pairwise.
    const base = at(5, 14)
    const requestIds: string[] = []
    for (const [i, f] of friends.entries()) {
      const r = await propose(app, f, hub, game, new Date(new Date(base).getTime() + i * 60_000).toISOString(), 60)
      expect(r.statusCode, r.body).toBe(201)
      requestIds.push(r.json().id)
    }

    const results = await Promise.all(requestIds.map((id) => post(app, hub, `/api/requests/${id}/accept`)))
    const ok = results.filter((r) => r.statusCode === 200)
    const refused = results.filter((r) => r.statusCode === 409)
    expect(ok).toHaveLength(1)
    expect(refused).toHaveLength(49)
    const sessionId = ok[0]?.json().session.id
    for (const r of refused) {
      expect(r.json().message).toMatch(new RegExp(`overlaps your session ${sessionId} from .+ to .+`))
      expect(r.json().reason).toBe('overlap')
    }

    const pool = t.deps.pg.app
    const sessions = await pool.query('SELECT count(*)::int AS n FROM sessions')
    expect(sessions.rows[0].n).toBe(1)
    const audits = await pool.query('SELECT count(*)::int AS n FROM audit_log WHERE action = \'session.schedule\'')
    expect(audits.rows[0].n).toBe(1)
    const accepted = await pool.query('SELECT count(*)::int AS n FROM session_requests WHERE status = \'accepted\'')
    expect(accepted.rows[0].n).toBe(1)
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toMatch(/tovwatch_sched_conflicts_total\{reason="overlap"\} 49/)
    expect(metrics.body).toMatch(/tovwatch_sched_sessions_scheduled_total 1/)
  }, 180_000) // setting up 50 players through the API is slow on a busy CI machine
})
