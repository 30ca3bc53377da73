import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, VIEWER_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { adminHeaders, as, at, befriend, createGame, createPlayer, plusMinutes, post, propose, type TestPlayer } from './helpers.js'

describe.skipIf(!(await have('postgres')))('bad input, each refused with a clear message (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let a: TestPlayer
  let b: TestPlayer
  let stranger: TestPlayer
  let game: string
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_bad')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    a = await createPlayer(t.app, 'Avi', 'Asia/Jerusalem')
    b = await createPlayer(t.app, 'Bea', 'Europe/London')
    stranger = await createPlayer(t.app, 'Cy', 'America/New_York')
    await befriend(t.app, a, b)
    game = await createGame(t.app, 'Minecraft')
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  const req = (body: Record<string, unknown>, p = a) => post(t.app, p, '/api/requests', { inviteeId: b.id, gameId: game, ...body })

  it('end before start', async () => {
    const start = at(2, 12)
    const r = await req({ start, end: plusMinutes(start, -30) })
    expect(r.statusCode).toBe(400)
    expect(r.json()).toMatchObject({ field: 'end', reason: 'invalid_time' })
    expect(r.json().message).toMatch(/end .* is before the start/)
  })

  it('too short and too long', async () => {
    const start = at(2, 12)
    const short = await req({ start, end: plusMinutes(start, 10) })
    expect(short.statusCode).toBe(400)
    expect(short.json().message).toMatch(/at least 15 minutes; this one lasts 10/)
    const long = await req({ start, end: plusMinutes(start, 8 * 60 + 1) })
    expect(long.statusCode).toBe(400)
    expect(long.json().message).toMatch(/at most 8 hours/)
    const exactlyEight = await req({ start, end: plusMinutes(start, 8 * 60) })
    expect(exactlyEight.statusCode, exactlyEight.body).toBe(201)
  })

  it('a start in the past, and a time without a zone', async () => {
    const past = new Date(Date.now() - 3600_000).toISOString()
    const r = await req({ start: past, end: plusMinutes(past, 60) })
    expect(r.statusCode).toBe(400)
    expect(r.json().message).toMatch(/not in the future/)
    const bare = await req({ start: '2030-01-01T10:00:00', end: '2030-01-01T11:00:00' })
    expect(bare.statusCode).toBe(400)
    expect(bare.json().message).toMatch(/with Z or an offset/)
  })

  it('the database refuses a bad duration even if the service forgot to check', async () => {
    const err = await t.deps.pg.app.query(`INSERT INTO session_requests (organizer_id, invitee_id, game_id, starts_at, ends_at)
      VALUES ($1, $2, $3, now() + interval '1 day', now() + interval '1 day 5 minutes')`, [a.id, b.id, game]).catch((e) => e)
    expect(err.code).toBe('23514')
    expect(err.constraint).toBe('session_requests_duration')
  })

  it('an unknown time zone', async () => {
    for (const zone of ['Mars/Olympus', 'Europe/Londn', "UTC'; DROP TABLE players; --"]) {
      const r = await t.app.inject({ method: 'POST', url: '/api/players', headers: adminHeaders(), payload: { displayName: 'Zed', timeZone: zone } })
      expect(r.statusCode).toBe(400)
      expect(r.json().message).toMatch(/Unknown time zone/)
    }
    const upd = await t.app.inject({ method: 'PATCH', url: '/api/players/me', headers: as(a.token, null), payload: { timeZone: 'Nowhere/Else' } })
    expect(upd.statusCode).toBe(400)
  })

  it('an unknown player or game', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000'
    const start = at(2, 15)
    const p = await req({ inviteeId: unknown, start, end: plusMinutes(start, 60) })
    expect(p.statusCode).toBe(404)
    expect(p.json().message).toMatch(/No player/)
    const g = await req({ gameId: unknown, start, end: plusMinutes(start, 60) })
    expect(g.statusCode).toBe(404)
    expect(g.json().message).toMatch(/No game/)
    const f = await post(t.app, a, '/api/friends', { playerId: unknown })
    expect(f.statusCode).toBe(404)
    const tok = await t.app.inject({ method: 'POST', url: `/api/players/${unknown}/tokens`, headers: adminHeaders(), payload: { name: 'x' } })
    expect(tok.statusCode).toBe(404)
    const malformed = await post(t.app, a, '/api/requests/not-a-uuid/accept')
    expect(malformed.statusCode).toBe(400)
  })

  it('the database refuses a request between non-friends even if the service forgot to check', async () => {
    const err = await t.deps.pg.app.query(`INSERT INTO session_requests (organizer_id, invitee_id, game_id, starts_at, ends_at)
      VALUES ($1, $2, $3, now() + interval '1 day', now() + interval '1 day 1 hour')`, [a.id, stranger.id, game]).catch((e) => e)
    expect(err.code).toBe('23514')
    expect(err.constraint).toBe('session_requests_friends_only')
  })

  it('an invite to a non-friend', async () => {
    const r = await propose(t.app, a, stranger, game, at(2, 16))
    expect(r.statusCode).toBe(403)
    expect(r.json()).toMatchObject({ reason: 'not_friends' })
    expect(r.json().message).toMatch(/only invite friends/)
  })

  it('an overlap with an existing session, naming only my own session', async () => {
    const start = at(3, 9)
    const r1 = await propose(t.app, a, b, game, start, 120)
    const acc = await post(t.app, b, `/api/requests/${r1.json().id}/accept`)
    expect(acc.statusCode, acc.body).toBe(200)
    const sessionId = acc.json().session.id
    const mine = await propose(t.app, a, b, game, plusMinutes(start, 60), 60)
    expect(mine.statusCode).toBe(409)
    expect(mine.json().message).toContain(`overlaps your session ${sessionId} from`)
    expect(mine.json().message).toMatch(/\+02:00|\+03:00/) // in Avi's own zone (Asia/Jerusalem)
    // The third player proposes to Bea at the same time: told only that Bea is busy.
    await befriend(t.app, stranger, b)
    const theirs = await propose(t.app, stranger, b, game, plusMinutes(start, 30), 60)
    expect(theirs.statusCode).toBe(409)
    expect(theirs.json().message).toBe('This time overlaps another session of the other player.')
    expect(theirs.json().message).not.toContain(sessionId)
  })

  it('a time outside either player\'s availability says which side', async () => {
    const x = await createPlayer(t.app, 'Weekday-mornings', 'UTC', { allWeek: false })
    await befriend(t.app, a, x)
    for (let d = 1; d <= 5; d++) await post(t.app, x, '/api/availability/windows', { dayOfWeek: d, start: '08:00', end: '10:00' })
    const start = at(7, 20)
    const r = await propose(t.app, a, x, game, start)
    expect(r.statusCode).toBe(409)
    expect(r.json()).toMatchObject({ reason: 'outside_availability', side: 'invitee' })
    const back = await propose(t.app, x, a, game, start)
    expect(back.json()).toMatchObject({ reason: 'outside_availability', side: 'organizer' })
  })

  it('a reused Idempotency-Key with a different body is refused with 422', async () => {
    const key = 'reuse-key-1'
    const start = at(4, 12)
    const first = await post(t.app, a, '/api/requests', { inviteeId: b.id, gameId: game, start, end: plusMinutes(start, 60) }, key)
    expect(first.statusCode).toBe(201)
    const second = await post(t.app, a, '/api/requests', { inviteeId: b.id, gameId: game, start, end: plusMinutes(start, 90) }, key)
    expect(second.statusCode).toBe(422)
    expect(second.json().message).toMatch(/already used with a different request/)
    const missing = await t.app.inject({ method: 'POST', url: '/api/requests', headers: as(a.token, null), payload: { inviteeId: b.id, gameId: game, start, end: plusMinutes(start, 60) } })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toMatch(/Idempotency-Key/)
  })

  it('SQL-looking strings in names are stored verbatim', async () => {
    const evil = "Robert'); DROP TABLE players;-- \\ $1 %s"
    const r = await t.app.inject({ method: 'POST', url: '/api/players', headers: adminHeaders(), payload: { displayName: evil, timeZone: 'UTC' } })
    expect(r.statusCode).toBe(201)
    expect(r.json().displayName).toBe(evil)
    const g = await t.app.inject({ method: 'POST', url: '/api/games', headers: adminHeaders(), payload: { name: "1' OR '1'='1" } })
    expect(g.json().name).toBe("1' OR '1'='1")
    const count = await t.deps.pg.app.query('SELECT count(*)::int AS n FROM players WHERE display_name = $1', [evil])
    expect(count.rows[0].n).toBe(1)
  })

  it('a message of 10,000 characters is refused, naming the limit', async () => {
    const start = at(2, 18)
    const r = await propose(t.app, a, b, game, start, 60, 'x'.repeat(10_000))
    expect(r.statusCode).toBe(400)
    expect(r.json().message).toBe('The message is 10000 characters long; the limit is 2000.')
    const ok = await propose(t.app, a, b, game, start, 60, 'é'.repeat(2000))
    expect(ok.statusCode, ok.body).toBe(201)
  })

  it('a wrong, an expired and a viewer token', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/players/me' })
    expect(none.statusCode).toBe(401)
    const wrong = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as('tvp_AAAAAAAAAAAAAAAA_' + 'B'.repeat(43), null) })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().message).toBe('The bearer token is not valid.')
    const tampered = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A'), null) })
    expect(tampered.statusCode).toBe(401)
    const fresh = await t.app.inject({ method: 'POST', url: `/api/players/${stranger.id}/tokens`, headers: adminHeaders(), payload: { name: 'short-lived', expiresInDays: 1 } })
    await t.deps.pg.app.query('UPDATE api_tokens SET expires_at = now() - interval \'1 minute\' WHERE id = $1', [fresh.json().id])
    const expired = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(fresh.json().token, null) })
    expect(expired.statusCode).toBe(401)
    expect(expired.json().message).toMatch(/token expired at/)
    const viewer = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(VIEWER_TOKEN, null) })
    expect(viewer.statusCode).toBe(403)
    const adminAsPlayer = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(ADMIN_TOKEN, null) })
    expect(adminAsPlayer.statusCode).toBe(403)
    const playerAsAdmin = await t.app.inject({ method: 'POST', url: '/api/games', headers: as(a.token), payload: { name: 'Nope' } })
    expect(playerAsAdmin.statusCode).toBe(403)
    // A revoked token stops working at once, even though it was just used (and cached).
    const extra = await t.app.inject({ method: 'POST', url: `/api/players/${a.id}/tokens`, headers: adminHeaders(), payload: { name: 'to revoke' } })
    expect((await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(extra.json().token, null) })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'DELETE', url: `/api/players/me/tokens/${extra.json().id}`, headers: as(a.token, null) })).statusCode).toBe(204)
    const revoked = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(extra.json().token, null) })
    expect(revoked.statusCode).toBe(401)
    const listed = await t.app.inject({ method: 'GET', url: '/api/players/me/tokens', headers: as(a.token, null) })
    expect(JSON.stringify(listed.json())).not.toContain('tvp_')
    const me = await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(a.token, null) })
    expect(me.json()).toMatchObject({ id: a.id, timeZone: 'Asia/Jerusalem' })
  })

  it('only the invitee accepts, and a decided request cannot be decided again', async () => {
    const r = await propose(t.app, a, b, game, at(6, 12))
    const own = await post(t.app, a, `/api/requests/${r.json().id}/accept`)
    expect(own.statusCode).toBe(403)
    const stranger404 = await post(t.app, stranger, `/api/requests/${r.json().id}/decline`)
    expect(stranger404.statusCode).toBe(404)
    expect((await post(t.app, b, `/api/requests/${r.json().id}/decline`)).statusCode).toBe(200)
    const again = await post(t.app, b, `/api/requests/${r.json().id}/accept`)
    expect(again.statusCode).toBe(409)
    expect(again.json().message).toMatch(/declined already/)
  })

  it('counts every refused rule by its reason, and the business events', async () => {
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body
    for (const reason of ['overlap', 'not_friends', 'outside_availability', 'invalid_time']) {
      const m = new RegExp(`tovwatch_sched_conflicts_total\\{reason="${reason}"\\} (\\d+)`).exec(body)
      expect(Number(m?.[1]), reason).toBeGreaterThan(0)
    }
    expect(Number(/tovwatch_sched_requests_created_total (\d+)/.exec(body)?.[1])).toBeGreaterThan(0)
    expect(Number(/tovwatch_sched_requests_declined_total (\d+)/.exec(body)?.[1])).toBeGreaterThan(0)
    expect(body).toMatch(/tovwatch_http_request_duration_seconds_bucket\{.*route="\/api\/requests\/:id\/accept".*status_code="409"/)
  })

  it('bad pagination and a window that ends before it starts', async () => {
    const big = await t.app.inject({ method: 'GET', url: '/api/sessions?limit=1000', headers: as(a.token, null) })
    expect(big.statusCode).toBe(400)
    expect(big.json().message).toMatch(/limit/)
    const w = await post(t.app, a, '/api/availability/windows', { dayOfWeek: 1, start: '22:00', end: '02:00' })
    expect(w.statusCode).toBe(400)
    expect(w.json().message).toMatch(/two windows/)
    const d = await post(t.app, a, '/api/availability/windows', { dayOfWeek: 8, start: '10:00', end: '12:00' })
    expect(d.statusCode).toBe(400)
  })
})
