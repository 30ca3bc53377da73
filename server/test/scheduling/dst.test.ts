import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expandWindows } from '../../src/scheduling/availability.js'
import { localToInstant } from '../../src/scheduling/time.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { as, befriend, createGame, createPlayer, post, type TestPlayer } from './helpers.js'

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
const ms = (s: string) => new Date(s).getTime()

/** 2027 changes: London 28 Mar / 31 Oct, New York 14 Mar / 7 Nov, Jerusalem Fri 26 Mar / 31 Oct. */
const ZONES = [
  { zone: 'Europe/London', springDay: 7, spring: '2027-03-28', before: 0, after: 1, gap: [2027, 3, 28, 90], gapInstant: '2027-03-28T01:00:00Z', fall: [2027, 10, 31, 90], fallEarlier: '2027-10-31T00:30:00Z', fallLater: '2027-10-31T01:30:00Z' },
  { zone: 'America/New_York', springDay: 7, spring: '2027-03-14', before: -5, after: -4, gap: [2027, 3, 14, 150], gapInstant: '2027-03-14T07:00:00Z', fall: [2027, 11, 7, 90], fallEarlier: '2027-11-07T05:30:00Z', fallLater: '2027-11-07T06:30:00Z' },
  { zone: 'Asia/Jerusalem', springDay: 5, spring: '2027-03-26', before: 2, after: 3, gap: [2027, 3, 26, 150], gapInstant: '2027-03-26T00:00:00Z', fall: [2027, 10, 31, 90], fallEarlier: '2027-10-30T22:30:00Z', fallLater: '2027-10-30T23:30:00Z' },
] as const

describe('daylight-saving edges (pure)', () => {
  for (const z of ZONES) {
    it(`${z.zone}: a weekly 09:00-11:00 window keeps its local hours across the spring change`, () => {
      const day = ms(`${z.spring}T12:00:00Z`)
      const got = expandWindows([{ dayOfWeek: z.springDay, startMinute: 9 * 60, endMinute: 11 * 60 }], z.zone, day - 7 * 86_400_000 - 43_200_000, day + 7 * 86_400_000 + 43_200_000)
      expect(got).toHaveLength(3)
      const utcHour = (o: number) => (9 - o + 24) % 24
      const [prev, on, next] = got as [{ start: number, end: number }, { start: number, end: number }, { start: number, end: number }]
      expect(new Date(prev.start).getUTCHours()).toBe(utcHour(z.before))
      expect(new Date(on.start).getUTCHours()).toBe(utcHour(z.after))
      expect(new Date(next.start).getUTCHours()).toBe(utcHour(z.after))
      for (const w of got) expect(w.end - w.start).toBe(2 * 3600_000)
    })

    it(`${z.zone}: a local time in the spring-forward gap resolves to the moment of the change`, () => {
      const [y, m, d, min] = z.gap
      expect(iso(localToInstant(y, m, d, min, z.zone, 'earlier'))).toBe(z.gapInstant)
      expect(iso(localToInstant(y, m, d, min, z.zone, 'later'))).toBe(z.gapInstant)
    })

    it(`${z.zone}: an ambiguous fall-back time is the earlier instant for starts and the later for ends`, () => {
      const [y, m, d, min] = z.fall
      expect(iso(localToInstant(y, m, d, min, z.zone, 'earlier'))).toBe(z.fallEarlier)
      expect(iso(localToInstant(y, m, d, min, z.zone, 'later'))).toBe(z.fallLater)
    })
  }

  it('a window over the fall-back hour is longer in real time, one over the gap shorter', () => {
    // London, Sunday 00:00-04:00 local: 5 real hours on 31 Oct 2027, 3 on 28 Mar 2027.
    const fall = expandWindows([{ dayOfWeek: 7, startMinute: 0, endMinute: 240 }], 'Europe/London', ms('2027-10-30T12:00:00Z'), ms('2027-10-31T12:00:00Z'))
    expect(fall.map((w) => (w.end - w.start) / 3600_000)).toEqual([5])
    const spring = expandWindows([{ dayOfWeek: 7, startMinute: 0, endMinute: 240 }], 'Europe/London', ms('2027-03-27T12:00:00Z'), ms('2027-03-28T12:00:00Z'))
    expect(spring.map((w) => (w.end - w.start) / 3600_000)).toEqual([3])
  })
})

describe.skipIf(!(await have('postgres')))('daylight-saving edges through the API (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let game: string
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_dst')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    game = await createGame(t.app)
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  async function pair (zoneA: string, zoneB: string): Promise<[TestPlayer, TestPlayer]> {
    const a = await createPlayer(t.app, 'A ' + zoneA, zoneA, { allWeek: false })
    const b = await createPlayer(t.app, 'B ' + zoneB, zoneB)
    await befriend(t.app, a, b)
    return [a, b]
  }
  const propose = (a: TestPlayer, b: TestPlayer, start: string, end: string) =>
    post(t.app, a, '/api/requests', { inviteeId: b.id, gameId: game, start, end })

  it('Europe/London: a Sunday 09:00-11:00 window accepts 09:00 local on both sides of the change, at different UTC instants', async () => {
    const [a, b] = await pair('Europe/London', 'America/New_York')
    expect((await post(t.app, a, '/api/availability/windows', { dayOfWeek: 7, start: '09:00', end: '11:00' })).statusCode).toBe(201)
    expect((await propose(a, b, '2027-03-21T09:00:00Z', '2027-03-21T11:00:00Z')).statusCode).toBe(201)
    const after = await propose(a, b, '2027-03-28T08:00:00Z', '2027-03-28T10:00:00Z')
    expect(after.statusCode, after.body).toBe(201)
    expect(after.json().start.local).toBe('2027-03-28T09:00:00+01:00')
    expect(after.json().end.local).toBe('2027-03-28T11:00:00+01:00')
    const utcNine = await propose(a, b, '2027-03-28T09:00:00Z', '2027-03-28T11:00:00Z')
    expect(utcNine.statusCode).toBe(409)
    expect(utcNine.json()).toMatchObject({ reason: 'outside_availability', side: 'organizer' })
  })

  it('America/New_York: a session across the night of the spring change is 3 real hours, shown in each player\'s zone', async () => {
    const [a, b] = await pair('America/New_York', 'Asia/Jerusalem')
    await post(t.app, a, '/api/availability/windows', { dayOfWeek: 6, start: '22:00', end: '24:00' })
    await post(t.app, a, '/api/availability/windows', { dayOfWeek: 7, start: '00:00', end: '04:00' })
    // 23:00 EST Saturday 13 March to 03:00 EDT Sunday 14 March 2027: 4 wall-clock hours, 3 real ones.
    const r = await propose(a, b, '2027-03-13T23:00:00-05:00', '2027-03-14T03:00:00-04:00')
    expect(r.statusCode, r.body).toBe(201)
    expect(r.json().minutes).toBe(180)
    const acc = await post(t.app, b, `/api/requests/${r.json().id}/accept`)
    expect(acc.statusCode, acc.body).toBe(200)
    const s = acc.json().session
    expect(s.start.utc).toBe('2027-03-14T04:00:00.000Z')
    expect(s.end.utc).toBe('2027-03-14T07:00:00.000Z')
    expect(s.start.local).toBe('2027-03-14T06:00:00+02:00') // Jerusalem changes later, on 26 March
    const mine = await t.app.inject({ method: 'GET', url: `/api/sessions/${s.id}`, headers: as(a.token, null) })
    expect(mine.json().start.local).toBe('2027-03-13T23:00:00-05:00')
    expect(mine.json().end.local).toBe('2027-03-14T03:00:00-04:00')
  })

  it('Asia/Jerusalem: the free-slot search follows each zone\'s own change', async () => {
    const [a, b] = await pair('Asia/Jerusalem', 'Europe/London')
    // Jerusalem Friday 10:00-12:00 local; London friend all week. Jerusalem changes on Fri 26 Mar 2027.
    await post(t.app, a, '/api/availability/windows', { dayOfWeek: 5, start: '10:00', end: '12:00' })
    const res = await t.app.inject({ method: 'GET', url: `/api/availability/free?with=${b.id}&from=2027-03-15T00:00:00Z&weeks=3&minMinutes=60`, headers: as(a.token, null) })
    expect(res.statusCode, res.body).toBe(200)
    const starts = res.json().items.map((s: { start: { utc: string } }) => s.start.utc)
    expect(starts).toEqual(['2027-03-19T08:00:00.000Z', '2027-03-26T07:00:00.000Z', '2027-04-02T07:00:00.000Z'])
    expect(res.json().items[1].start.local).toBe('2027-03-26T10:00:00+03:00')
  })

  it('the fall-back night: an ambiguous local time given with its offset is taken exactly as given', async () => {
    const [a, b] = await pair('Europe/London', 'Europe/London')
    await post(t.app, a, '/api/availability/windows', { dayOfWeek: 7, start: '00:00', end: '04:00' })
    // 01:30 happens twice on 31 Oct 2027; the offset picks which: +01:00 (BST) is the first.
    const first = await propose(a, b, '2027-10-31T01:30:00+01:00', '2027-10-31T01:45:00+01:00')
    expect(first.statusCode, first.body).toBe(201)
    const second = await propose(a, b, '2027-10-31T01:30:00+00:00', '2027-10-31T02:30:00+00:00')
    expect(second.statusCode, second.body).toBe(201)
    expect(second.json().minutes).toBe(60)
    expect(new Date(second.json().start.utc).getTime() - new Date(first.json().start.utc).getTime()).toBe(3600_000)
  })
})
