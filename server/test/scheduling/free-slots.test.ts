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

  describe('paging through a long search', () => {
    let e: TestPlayer
    let f: TestPlayer
    const search = (q: string) => t.app.inject({ method: 'GET', url: `/api/availability/free?with=${f.id}&${q}`, headers: as(e.token, null) })
    const pairs = (items: Slot[]) => items.map((s) => `${s.start.utc}/${s.end.utc}`)
    beforeAll(async () => {
      // Three one-hour windows a day for both: 21 free slots a week, nothing booked.
      e = await createPlayer(t.app, 'Eve', 'UTC', { allWeek: false })
      f = await createPlayer(t.app, 'Fay', 'UTC', { allWeek: false })
      await befriend(t.app, e, f)
      for (const p of [e, f]) {
        for (let d = 1; d <= 7; d++) {
          for (const [start, end] of [['08:00', '09:00'], ['12:00', '13:00'], ['18:00', '19:00']]) {
            const r = await post(t.app, p, '/api/availability/windows', { dayOfWeek: d, start, end })
            expect(r.statusCode, r.body).toBe(201)
          }
        }
      }
    })

    it('a truncated answer gives next; following it with the same to walks the whole search once, and the last page says null', async () => {
      const from = at(1, 0)
      const whole = await search(`from=${from}&weeks=1&limit=500`)
      expect(whole.statusCode, whole.body).toBe(200)
      expect(whole.json()).toMatchObject({ truncated: false, next: null })
      const expected = pairs(whole.json().items)
      expect(expected).toHaveLength(21)

      const first = await search(`from=${from}&weeks=1&limit=5`)
      expect(first.statusCode, first.body).toBe(200)
      const to = first.json().to.utc as string
      expect(to).toBe(whole.json().to.utc)
      const seen: string[] = []
      const flags: boolean[] = []
      let body = first.json()
      for (;;) {
        seen.push(...pairs(body.items))
        flags.push(body.truncated)
        if (body.next === null) break
        expect(body.next).toBe(body.items[body.items.length - 1].end.utc)
        const res = await search(`from=${encodeURIComponent(body.next)}&to=${encodeURIComponent(to)}&limit=5`)
        expect(res.statusCode, res.body).toBe(200)
        body = res.json()
        expect(body.to.utc).toBe(to) // the same search, not a window that slides on
      }
      expect(seen).toEqual(expected)
      expect(flags).toEqual([true, true, true, true, false]) // 5 + 5 + 5 + 5 + 1
    })

    it('refuses weeks and to together, a to not after from, and a to more than 12 weeks on', async () => {
      const from = at(1, 0)
      const both = await search(`from=${from}&weeks=1&to=${plusMinutes(from, 60)}`)
      expect(both.statusCode).toBe(400)
      expect(both.json().message).toMatch(/either "weeks" or "to"/)
      const before = await search(`from=${from}&to=${plusMinutes(from, -60)}`)
      expect(before.statusCode).toBe(400)
      expect(before.json()).toMatchObject({ field: 'to', message: expect.stringMatching(/must be after "from"/) })
      expect((await search(`from=${from}&to=${plusMinutes(from, 12 * 7 * 24 * 60 + 1)}`)).statusCode).toBe(400)
      expect((await search(`from=${from}&to=${plusMinutes(from, 12 * 7 * 24 * 60)}`)).statusCode).toBe(200)
      expect((await search(`from=${from}&to=not-a-time`)).statusCode).toBe(400)
    })
  })
})
