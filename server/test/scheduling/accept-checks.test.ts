import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { as, at, befriend, createGame, createPlayer, plusMinutes, post, propose, type TestPlayer } from './helpers.js'

/** An accept judges friendship and both availabilities as they are at accept time, not as proposed. */
describe.skipIf(!(await have('postgres')))('accept checks the state at accept time (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let a: TestPlayer
  let b: TestPlayer
  let game: string
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_accept')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    a = await createPlayer(t.app, 'Ari', 'Europe/London')
    b = await createPlayer(t.app, 'Ben', 'Asia/Jerusalem')
    await befriend(t.app, a, b)
    game = await createGame(t.app)
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  it('an "unavailable" exception the organizer added since is refused on the organizer\'s side; removing it lets the accept through', async () => {
    const start = at(5, 12)
    const r = await propose(t.app, a, b, game, start)
    expect(r.statusCode, r.body).toBe(201)
    const x = await post(t.app, a, '/api/availability/exceptions', { start: plusMinutes(start, -30), end: plusMinutes(start, 30), kind: 'unavailable', note: 'busy' })
    expect(x.statusCode, x.body).toBe(201)
    const refused = await post(t.app, b, `/api/requests/${r.json().id}/accept`)
    expect(refused.statusCode).toBe(409)
    expect(refused.json()).toMatchObject({ reason: 'outside_availability', side: 'organizer' })
    const del = await t.app.inject({ method: 'DELETE', url: `/api/availability/exceptions/${x.json().id}`, headers: as(a.token) })
    expect(del.statusCode, del.body).toBe(204)
    const ok = await post(t.app, b, `/api/requests/${r.json().id}/accept`)
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().session.start.utc).toBe(new Date(start).toISOString())
  })

  it('an "available" exception opens a time outside the invitee\'s weekly windows', async () => {
    const c = await createPlayer(t.app, 'Cai', 'America/New_York', { allWeek: false })
    await befriend(t.app, a, c)
    const start = at(6, 15)
    // Cai has no windows at all: only the exception makes the time fit.
    const x = await post(t.app, c, '/api/availability/exceptions', { start: plusMinutes(start, -60), end: plusMinutes(start, 120), kind: 'available', note: '' })
    expect(x.statusCode, x.body).toBe(201)
    const r = await propose(t.app, a, c, game, start)
    expect(r.statusCode, r.body).toBe(201)
    await t.app.inject({ method: 'DELETE', url: `/api/availability/exceptions/${x.json().id}`, headers: as(c.token) })
    const refused = await post(t.app, c, `/api/requests/${r.json().id}/accept`)
    expect(refused.json()).toMatchObject({ reason: 'outside_availability', side: 'invitee' })
    const again = await post(t.app, c, '/api/availability/exceptions', { start: plusMinutes(start, -60), end: plusMinutes(start, 120), kind: 'available', note: '' })
    expect(again.statusCode, again.body).toBe(201)
    const ok = await post(t.app, c, `/api/requests/${r.json().id}/accept`)
    expect(ok.statusCode, ok.body).toBe(200)
  })

  it('a friendship ended after the proposal refuses the accept with 403 and books nothing', async () => {
    const d = await createPlayer(t.app, 'Dov', 'UTC')
    await befriend(t.app, a, d)
    const r = await propose(t.app, a, d, game, at(7, 9))
    expect(r.statusCode, r.body).toBe(201)
    const friendship = (await t.deps.pg.app.query<{ id: string }>('SELECT id FROM friendships WHERE $1 IN (requester_id, addressee_id) AND $2 IN (requester_id, addressee_id)', [a.id, d.id])).rows[0]?.id
    const del = await t.app.inject({ method: 'DELETE', url: `/api/friends/${friendship}`, headers: as(d.token) })
    expect(del.statusCode, del.body).toBe(204)
    const refused = await post(t.app, d, `/api/requests/${r.json().id}/accept`)
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toMatchObject({ reason: 'not_friends' })
    const sessions = await t.deps.pg.app.query('SELECT 1 FROM sessions WHERE request_id = $1', [r.json().id])
    expect(sessions.rowCount).toBe(0)
  })

  it('concurrent accepts with the same Idempotency-Key book once and both answer the same session', async () => {
    const e = await createPlayer(t.app, 'Eli', 'UTC')
    await befriend(t.app, a, e)
    const r = await propose(t.app, a, e, game, at(8, 11))
    expect(r.statusCode, r.body).toBe(201)
    const both = await Promise.all([1, 2, 3].map(() => post(t.app, e, `/api/requests/${r.json().id}/accept`, undefined, 'same-accept-key')))
    expect(both.map((x) => x.statusCode)).toEqual([200, 200, 200])
    expect(new Set(both.map((x) => x.json().session.id)).size).toBe(1)
    expect(both.filter((x) => x.headers['idempotent-replayed'] === 'true')).toHaveLength(2)
    const sessions = await t.deps.pg.app.query('SELECT 1 FROM sessions WHERE request_id = $1', [r.json().id])
    expect(sessions.rowCount).toBe(1)
    const audits = await t.deps.pg.app.query('SELECT 1 FROM audit_log WHERE entity_id = $1 AND action = \'session_request.accept\'', [r.json().id])
    expect(audits.rowCount).toBe(1)
  })
})
