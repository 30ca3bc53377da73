import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { adminHeaders, as, at, befriend, createGame, createPlayer, post, propose, type TestPlayer } from './helpers.js'

interface Expect { action: string, entity: string, actor: 'admin' | 'player', before: boolean, after: boolean }
type Case = (f: Fixture) => Promise<{ res: LightMyRequestResponse, expect: Expect[] }>
interface Fixture { t: TestApp, a: TestPlayer, b: TestPlayer, game: string }

const del = (f: Fixture, p: TestPlayer, url: string) => f.t.app.inject({ method: 'DELETE', url, headers: as(p.token, null) })
const E = (action: string, entity: string, actor: Expect['actor'], before: boolean, after: boolean): Expect => ({ action, entity, actor, before, after })

/** Every write route of the scheduling API and the audit rows it must leave. The first test checks this table is complete. */
const CASES: Record<string, Case> = {
  'POST /api/players': async (f) => ({
    res: await f.t.app.inject({ method: 'POST', url: '/api/players', headers: adminHeaders(), payload: { displayName: 'Audited', timeZone: 'UTC' } }),
    expect: [E('player.create', 'players', 'admin', false, true)],
  }),
  'POST /api/players/:id/tokens': async (f) => ({
    res: await f.t.app.inject({ method: 'POST', url: `/api/players/${f.a.id}/tokens`, headers: adminHeaders(), payload: { name: 'second device' } }),
    expect: [E('token.create', 'api_tokens', 'admin', false, true)],
  }),
  'PATCH /api/players/me': async (f) => ({
    res: await f.t.app.inject({ method: 'PATCH', url: '/api/players/me', headers: as(f.a.token, null), payload: { timeZone: 'Europe/Paris' } }),
    expect: [E('player.update', 'players', 'player', true, true)],
  }),
  'PUT /api/players/me/games': async (f) => ({
    res: await f.t.app.inject({ method: 'PUT', url: '/api/players/me/games', headers: as(f.a.token, null), payload: { gameIds: [f.game] } }),
    expect: [E('player_games.replace', 'player_games', 'player', true, true)],
  }),
  'POST /api/games': async (f) => ({
    res: await f.t.app.inject({ method: 'POST', url: '/api/games', headers: adminHeaders(), payload: { name: 'Audited game' } }),
    expect: [E('game.create', 'games', 'admin', false, true)],
  }),
  'POST /api/friends': async (f) => {
    const c = await createPlayer(f.t.app, 'Friendly', 'UTC', { allWeek: false })
    return { res: await post(f.t.app, f.a, '/api/friends', { playerId: c.id }), expect: [E('friendship.request', 'friendships', 'player', false, true)] }
  },
  'POST /api/friends/:id/accept': async (f) => {
    const c = await createPlayer(f.t.app, 'Accepting', 'UTC', { allWeek: false })
    const r = await post(f.t.app, f.a, '/api/friends', { playerId: c.id })
    return { res: await post(f.t.app, c, `/api/friends/${r.json().id}/accept`), expect: [E('friendship.accept', 'friendships', 'player', true, true)] }
  },
  'POST /api/friends/:id/decline': async (f) => {
    const c = await createPlayer(f.t.app, 'Declining', 'UTC', { allWeek: false })
    const r = await post(f.t.app, f.a, '/api/friends', { playerId: c.id })
    return { res: await post(f.t.app, c, `/api/friends/${r.json().id}/decline`), expect: [E('friendship.decline', 'friendships', 'player', true, true)] }
  },
  'DELETE /api/friends/:id': async (f) => {
    const c = await createPlayer(f.t.app, 'Leaving', 'UTC', { allWeek: false })
    const r = await post(f.t.app, f.a, '/api/friends', { playerId: c.id })
    return { res: await del(f, f.a, `/api/friends/${r.json().id}`), expect: [E('friendship.remove', 'friendships', 'player', true, false)] }
  },
  'POST /api/availability/windows': async (f) => ({
    res: await post(f.t.app, f.a, '/api/availability/windows', { dayOfWeek: 2, start: '05:00', end: '06:00' }),
    expect: [E('availability_window.create', 'availability_windows', 'player', false, true)],
  }),
  'DELETE /api/availability/windows/:id': async (f) => {
    const w = await post(f.t.app, f.a, '/api/availability/windows', { dayOfWeek: 2, start: '06:00', end: '07:00' })
    return { res: await del(f, f.a, `/api/availability/windows/${w.json().id}`), expect: [E('availability_window.delete', 'availability_windows', 'player', true, false)] }
  },
  'PATCH /api/availability/windows/:id': async (f) => {
    const w = await post(f.t.app, f.a, '/api/availability/windows', { dayOfWeek: 2, start: '07:00', end: '08:00' })
    return {
      res: await f.t.app.inject({ method: 'PATCH', url: `/api/availability/windows/${w.json().id}`, headers: as(f.a.token, null), payload: { end: '08:30' } }),
      expect: [E('availability_window.update', 'availability_windows', 'player', true, true)],
    }
  },
  'PATCH /api/availability/exceptions/:id': async (f) => {
    const x = await post(f.t.app, f.a, '/api/availability/exceptions', { start: at(9, 15), end: at(9, 16), kind: 'available' })
    return {
      res: await f.t.app.inject({ method: 'PATCH', url: `/api/availability/exceptions/${x.json().id}`, headers: as(f.a.token, null), payload: { kind: 'unavailable', note: 'changed my mind' } }),
      expect: [E('availability_exception.update', 'availability_exceptions', 'player', true, true)],
    }
  },
  'DELETE /api/players/me/tokens/:id': async (f) => {
    const tok = await f.t.app.inject({ method: 'POST', url: `/api/players/${f.a.id}/tokens`, headers: adminHeaders(), payload: { name: 'lost phone' } })
    return { res: await del(f, f.a, `/api/players/me/tokens/${tok.json().id}`), expect: [E('token.revoke', 'api_tokens', 'player', false, true)] }
  },
  'POST /api/availability/exceptions': async (f) => ({
    res: await post(f.t.app, f.a, '/api/availability/exceptions', { start: at(9, 10), end: at(9, 12), kind: 'unavailable', note: 'dentist' }),
    expect: [E('availability_exception.create', 'availability_exceptions', 'player', false, true)],
  }),
  'DELETE /api/availability/exceptions/:id': async (f) => {
    const x = await post(f.t.app, f.a, '/api/availability/exceptions', { start: at(9, 13), end: at(9, 14), kind: 'available' })
    return { res: await del(f, f.a, `/api/availability/exceptions/${x.json().id}`), expect: [E('availability_exception.delete', 'availability_exceptions', 'player', true, false)] }
  },
  'POST /api/requests': async (f) => ({ res: await propose(f.t.app, f.a, f.b, f.game, at(3, 8)), expect: [E('session_request.create', 'session_requests', 'player', false, true)] }),
  'POST /api/requests/:id/accept': async (f) => {
    const r = await propose(f.t.app, f.a, f.b, f.game, at(3, 12))
    return {
      res: await post(f.t.app, f.b, `/api/requests/${r.json().id}/accept`),
      expect: [E('session_request.accept', 'session_requests', 'player', true, true), E('session.schedule', 'sessions', 'player', false, true)],
    }
  },
  'POST /api/requests/:id/decline': async (f) => {
    const r = await propose(f.t.app, f.a, f.b, f.game, at(3, 15))
    return { res: await post(f.t.app, f.b, `/api/requests/${r.json().id}/decline`), expect: [E('session_request.decline', 'session_requests', 'player', true, true)] }
  },
  'POST /api/requests/:id/cancel': async (f) => {
    const r = await propose(f.t.app, f.a, f.b, f.game, at(3, 17))
    return { res: await post(f.t.app, f.a, `/api/requests/${r.json().id}/cancel`), expect: [E('session_request.cancel', 'session_requests', 'player', true, true)] }
  },
  'POST /api/sessions/:id/cancel': async (f) => {
    const r = await propose(f.t.app, f.a, f.b, f.game, at(3, 19))
    const s = await post(f.t.app, f.b, `/api/requests/${r.json().id}/accept`)
    return { res: await post(f.t.app, f.b, `/api/sessions/${s.json().session.id}/cancel`, { reason: 'Something came up' }), expect: [E('session.cancel', 'sessions', 'player', true, true)] }
  },
}

describe.skipIf(!(await have('postgres')))('every write path leaves an audit row (real PostgreSQL)', () => {
  let db: TestDatabase
  let f: Fixture
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_audit')
    const t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    const a = await createPlayer(t.app, 'Auditor A', 'Asia/Jerusalem')
    const b = await createPlayer(t.app, 'Auditor B', 'America/New_York')
    await befriend(t.app, a, b)
    f = { t, a, b, game: await createGame(t.app) }
  })
  afterAll(async () => { await f?.t.close(); await db?.drop() })

  it('has an audit case for every registered write route under /api/', () => {
    const registered = [...new Set(f.t.app.scheduling.writeRoutes)].sort()
    expect(registered.length).toBeGreaterThan(10)
    expect(Object.keys(CASES).sort()).toEqual(registered)
  })

  for (const [route, run] of Object.entries(CASES)) {
    it(`${route} writes its audit rows in its transaction, with the request id`, async () => {
      const { res, expect: wanted } = await run(f)
      expect(res.statusCode, res.body).toBeLessThan(300)
      const requestId = res.headers['x-request-id'] as string
      const { rows } = await f.t.deps.pg.app.query('SELECT actor, action, entity, entity_id, before, after, request_id, at FROM audit_log WHERE request_id = $1 ORDER BY id', [requestId])
      expect(rows.map((r) => r.action)).toEqual(wanted.map((w) => w.action))
      for (const [i, w] of wanted.entries()) {
        const row = rows[i]
        expect(row.entity).toBe(w.entity)
        expect(row.actor).toMatch(w.actor === 'admin' ? /^admin:admin$/ : /^player:[0-9a-f-]{36}$/)
        expect(row.before !== null).toBe(w.before)
        expect(row.after !== null).toBe(w.after)
        expect(row.entity_id).toMatch(/^[0-9a-f-]{36}$/)
        expect(row.at).toBeInstanceOf(Date)
      }
      // Secrets never reach the audit trail.
      expect(JSON.stringify(rows)).not.toMatch(/tvp_[A-Za-z0-9_-]{16}_/)
    })
  }
})
