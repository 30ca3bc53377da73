import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { at, befriend, createGame, createPlayer, post, propose } from './helpers.js'

let t: TestApp
beforeAll(async () => { t = await buildTestApp({}, { parts: { errors: false, database: false, alerts: false, web: false } }) })
afterAll(async () => { await t?.close() })

describe('scheduling API on the embedded PGlite', () => {
  it('migrates, books a session end to end and reports healthy', async () => {
    const { app } = t
    const a = await createPlayer(app, 'Ada', 'Europe/London')
    const b = await createPlayer(app, 'Bo', 'Asia/Jerusalem')
    await befriend(app, a, b)
    const game = await createGame(app)
    const req = await propose(app, a, b, game, at(3, 10))
    expect(req.statusCode, req.body).toBe(201)
    const acc = await post(app, b, `/api/requests/${req.json().id}/accept`)
    expect(acc.statusCode, acc.body).toBe(200)
    expect(acc.json().session.status).toBe('scheduled')
    expect(acc.json().session.start.zone).toBe('Asia/Jerusalem')
    const clash = await propose(app, a, b, game, at(3, 10))
    expect(clash.statusCode).toBe(409)
    const health = await app.inject({ method: 'GET', url: '/logs/api/health' })
    expect(health.json().dependencies.scheduling).toMatchObject({ status: 'up', kind: 'embedded' })
  })

  it('serializes concurrent accepts on the one PGlite session without deadlock: one session, the rest 409', async () => {
    const { app } = t
    const hub = await createPlayer(app, 'Hub', 'America/New_York')
    const game = await createGame(app)
    const ids: string[] = []
    for (let i = 0; i < 8; i++) {
      const f = await createPlayer(app, `F${i}`, 'Europe/London')
      await befriend(app, f, hub)
      const r = await propose(app, f, hub, game, new Date(new Date(at(6, 9)).getTime() + i * 60_000).toISOString(), 60)
      ids.push(r.json().id)
    }
    const results = await Promise.all(ids.map((id) => post(app, hub, `/api/requests/${id}/accept`)))
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 409).map((r) => r.json().reason)).toEqual(Array(7).fill('overlap'))
  })

  it('replays an idempotent retry on PGlite too', async () => {
    const { app } = t
    const a = await createPlayer(app, 'Retry A', 'UTC')
    const b = await createPlayer(app, 'Retry B', 'UTC')
    await befriend(app, a, b)
    const game = await createGame(app)
    const start = at(9, 12)
    const body = { inviteeId: b.id, gameId: game, start, end: new Date(new Date(start).getTime() + 3600_000).toISOString() }
    const first = await post(app, a, '/api/requests', body, 'pglite-key')
    const again = await post(app, a, '/api/requests', body, 'pglite-key')
    expect(again.json()).toEqual(first.json())
    expect(again.headers['idempotent-replayed']).toBe('true')
  })
})
