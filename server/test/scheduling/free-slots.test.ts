import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { as, at, befriend, createGame, createPlayer, plusMinutes, post, propose, type TestPlayer } from './helpers.js'

interface Slot { start: { utc: string }, end: { utc: string } }

describe.skipIf(!(await have('postgres')))('free-slot search for a pair (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let a: TestPlayer
  let b: TestPlayer
  let c: TestPlayer
  let game: string
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_free')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    a = await createPlayer(t.app, 'Ari', 'UTC')
    b = await createPlayer(t.app, 'Ben', 'UTC')
    c = await createPlayer(t.app, 'Cai', 'UTC')
    await befriend(t.app, a, b)
    await befriend(t.app, b, c)
    game = await createGame(t.app)
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  const book = async (org: TestPlayer, inv: TestPlayer, start: string, minutes: number) => {
    const r = await propose(t.app, org, inv, game, start, minutes)
    expect(r.statusCode, r.body).toBe(201)
    const acc = await post(t.app, inv, `/api/requests/${r.json().id}/accept`)
    expect(acc.statusCode, acc.body).toBe(200)
  }

  it('leaves out the sessions of either player, including one with a third player, and nobody else\'s', async () => {
    const day = at(2, 0)
    await book(a, b, plusMinutes(day, 10 * 60), 60) // both of them, 10:00-11:00
    await book(c, b, plusMinutes(day, 14 * 60), 120) // Ben with Cai, 14:00-16:00
    // Cai with someone else is none of Ari's business: a session of c alone must not show.
    const d = await createPlayer(t.app, 'Dov', 'UTC')
    await befriend(t.app, c, d)
    await book(c, d, plusMinutes(day, 18 * 60), 60)
    const res = await t.app.inject({ method: 'GET', url: `/api/availability/free?with=${b.id}&from=${day}&weeks=1&limit=3`, headers: as(a.token, null) })
    expect(res.statusCode, res.body).toBe(200)
    const items = res.json().items.map((s: Slot) => [s.start.utc, s.end.utc])
    const iso = (h: number) => new Date(new Date(day).getTime() + h * 3600_000).toISOString()
    expect(items).toEqual([[iso(0), iso(10)], [iso(11), iso(14)], [iso(16), iso(24 * 7)]])
  })
})
