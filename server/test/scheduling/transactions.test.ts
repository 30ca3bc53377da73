import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { as, at, befriend, createGame, createPlayer, post, propose, type TestPlayer } from './helpers.js'

describe.skipIf(!(await have('postgres')))('idempotency, transactions and expiry (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let a: TestPlayer
  let b: TestPlayer
  let game: string
  const count = async (sql: string, params: unknown[] = []) => (await t.deps.pg.app.query(sql, params)).rows[0].n as number
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_tx')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    a = await createPlayer(t.app, 'Ari', 'America/New_York')
    b = await createPlayer(t.app, 'Ben', 'Asia/Jerusalem')
    await befriend(t.app, a, b)
    game = await createGame(t.app)
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  it('an idempotent retry of an accept returns the same session, and books nothing twice', async () => {
    const r = await propose(t.app, a, b, game, at(3, 12))
    const key = 'accept-once'
    const first = await post(t.app, b, `/api/requests/${r.json().id}/accept`, undefined, key)
    expect(first.statusCode).toBe(200)
    const retry = await post(t.app, b, `/api/requests/${r.json().id}/accept`, undefined, key)
    expect(retry.statusCode).toBe(200)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.json()).toEqual(first.json())
    expect(await count('SELECT count(*)::int AS n FROM sessions WHERE request_id = $1', [r.json().id])).toBe(1)
    expect(await count('SELECT count(*)::int AS n FROM audit_log WHERE action = \'session.schedule\' AND entity_id = $1', [first.json().session.id])).toBe(1)
    // Without the key, a second accept is a new request: refused because it is decided.
    expect((await post(t.app, b, `/api/requests/${r.json().id}/accept`)).statusCode).toBe(409)
  })

  it('concurrent duplicates with one key wait for the first and get its answer', async () => {
    const start = at(4, 12)
    const body = { inviteeId: b.id, gameId: game, start, end: new Date(new Date(start).getTime() + 3600_000).toISOString() }
    const results = await Promise.all(Array.from({ length: 10 }, () => post(t.app, a, '/api/requests', body, 'same-key-concurrent')))
    expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(201))
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1)
    expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9)
    expect(await count('SELECT count(*)::int AS n FROM session_requests WHERE starts_at = $1', [start])).toBe(1)
  })

  it('the same key from another player is a different key', async () => {
    const r1 = await post(t.app, a, '/api/availability/windows', { dayOfWeek: 3, start: '06:00', end: '07:00' }, 'shared-key')
    const r2 = await post(t.app, b, '/api/availability/windows', { dayOfWeek: 3, start: '06:00', end: '07:00' }, 'shared-key')
    expect(r1.statusCode).toBe(201)
    expect(r2.statusCode).toBe(201)
    expect(r1.json().id).not.toBe(r2.json().id)
  })

  it('a failed transaction leaves neither a change, nor an audit row, nor the key', async () => {
    const r = await propose(t.app, a, b, game, at(5, 12))
    const requestId = r.json().id as string
    const pool = t.deps.pg.app
    // Make the last statement of the accept fail: the session, the request update and the first audit row are already written.
    await pool.query(`CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.action = 'session.schedule' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`)
    await pool.query('CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_fail_audit()')
    try {
      const failed = await post(t.app, b, `/api/requests/${requestId}/accept`, undefined, 'fails-once')
      expect(failed.statusCode).toBe(500)
      expect(failed.json().message).toMatch(/Internal error\. It has been logged with request id/)
      const reqId = failed.headers['x-request-id']
      expect(await count('SELECT count(*)::int AS n FROM sessions WHERE request_id = $1', [requestId])).toBe(0)
      expect(await count('SELECT count(*)::int AS n FROM session_requests WHERE id = $1 AND status = \'pending\'', [requestId])).toBe(1)
      expect(await count('SELECT count(*)::int AS n FROM audit_log WHERE request_id = $1', [reqId])).toBe(0)
      expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = \'fails-once\'')).toBe(0)
    } finally {
      await pool.query('DROP TRIGGER test_fail_audit ON audit_log; DROP FUNCTION test_fail_audit()')
    }
    const retry = await post(t.app, b, `/api/requests/${requestId}/accept`, undefined, 'fails-once')
    expect(retry.statusCode).toBe(200)
    expect(await count('SELECT count(*)::int AS n FROM audit_log WHERE request_id = $1', [retry.headers['x-request-id']])).toBe(2)
  })

  it('a pending request expires at its proposed start: on read at once, and in the table by the sweep, audited as system', async () => {
    const r = await propose(t.app, a, b, game, at(6, 12))
    const id = r.json().id as string
    await t.deps.pg.app.query('UPDATE session_requests SET starts_at = now() - interval \'1 minute\', ends_at = now() + interval \'59 minutes\' WHERE id = $1', [id])
    const read = await t.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: as(a.token, null) })
    expect(read.json().status).toBe('expired')
    const accept = await post(t.app, b, `/api/requests/${id}/accept`)
    expect(accept.statusCode).toBe(409)
    expect(accept.json().message).toMatch(/expired at its proposed start/)
    const swept = await t.app.scheduling.sweep()
    expect(swept.expired).toBeGreaterThanOrEqual(1)
    expect(await count('SELECT count(*)::int AS n FROM session_requests WHERE id = $1 AND status = \'expired\'', [id])).toBe(1)
    expect(await count('SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = \'session_request.expire\' AND actor = \'system\'', [id])).toBe(1)
  })

  it('a finished session is completed by the sweep, audited as system', async () => {
    const r = await propose(t.app, a, b, game, at(7, 12))
    const sid = (await post(t.app, b, `/api/requests/${r.json().id}/accept`)).json().session.id as string
    await t.deps.pg.app.query('UPDATE sessions SET starts_at = now() - interval \'2 hours\', ends_at = now() - interval \'1 hour\' WHERE id = $1', [sid])
    const read = await t.app.inject({ method: 'GET', url: `/api/sessions/${sid}`, headers: as(a.token, null) })
    expect(read.json().status).toBe('completed')
    await t.app.scheduling.sweep()
    expect(await count('SELECT count(*)::int AS n FROM sessions WHERE id = $1 AND status = \'completed\'', [sid])).toBe(1)
    expect(await count('SELECT count(*)::int AS n FROM session_participants WHERE session_id = $1 AND status = \'completed\'', [sid])).toBe(2)
    expect(await count('SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = \'session.complete\' AND actor = \'system\'', [sid])).toBe(1)
  })

  it('answers times in UTC and in the caller\'s own zone, and paginates lists', async () => {
    for (let i = 0; i < 3; i++) await propose(t.app, a, b, game, at(10 + i, 15))
    const page1 = await t.app.inject({ method: 'GET', url: '/api/requests?role=outgoing&status=pending&limit=2', headers: as(a.token, null) })
    expect(page1.statusCode).toBe(200)
    const body = page1.json()
    expect(body.items).toHaveLength(2)
    expect(body.page).toEqual({ limit: 2, offset: 0, nextOffset: 2 })
    const item = body.items[0]
    expect(item.start.zone).toBe('America/New_York')
    expect(item.start.utc).toMatch(/Z$/)
    expect(item.start.local).toMatch(/-0[45]:00$/)
    expect(new Date(item.start.local).getTime()).toBe(new Date(item.start.utc).getTime())
    const asInvitee = await t.app.inject({ method: 'GET', url: `/api/requests/${item.id}`, headers: as(b.token, null) })
    expect(asInvitee.json().start.local).toMatch(/\+0[23]:00$/)
    const last = await t.app.inject({ method: 'GET', url: `/api/requests?role=outgoing&status=pending&limit=2&offset=${body.page.nextOffset}`, headers: as(a.token, null) })
    expect(last.json().items.length).toBeGreaterThan(0)
  })

  it('cancelling a session keeps its reason and frees the time', async () => {
    const start = at(8, 12)
    const r = await propose(t.app, a, b, game, start)
    const acc = await post(t.app, b, `/api/requests/${r.json().id}/accept`)
    const sid = acc.json().session.id
    const blank = await post(t.app, a, `/api/sessions/${sid}/cancel`, { reason: '   ' })
    expect(blank.statusCode).toBe(400)
    const c = await post(t.app, a, `/api/sessions/${sid}/cancel`, { reason: 'Feeling unwell' })
    expect(c.statusCode).toBe(200)
    expect(c.json()).toMatchObject({ status: 'cancelled', cancelReason: 'Feeling unwell' })
    const again = await propose(t.app, a, b, game, start)
    expect(again.statusCode).toBe(201)
    const list = await t.app.inject({ method: 'GET', url: '/api/sessions?status=cancelled', headers: as(b.token, null) })
    expect(list.json().items.map((s: { id: string }) => s.id)).toContain(sid)
  })
})
