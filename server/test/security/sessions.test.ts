import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { login, refused, securityApp } from './helpers.js'

// Issue #11 §1: a session ends when its token does, in every instance.
describe.skipIf(!(await have('postgres')))('sessions are revocable', () => {
  let db: TestDatabase
  const apps: TestApp[] = []
  const start = async (env: Record<string, string> = {}) => { const t = await securityApp(db.url, env); apps.push(t); return t }
  beforeAll(async () => { db = await createTestDatabase('tw_sec_sess') })
  afterEach(async () => { for (const t of apps.splice(0)) await t.close() })
  afterAll(async () => { await db?.drop() })

  it('logout ends the cookie at once, on every instance sharing the store', async () => {
    const a = await start()
    const b = await start()
    const s = await login(a)
    expect((await b.app.inject({ url: '/logs/api/me', headers: { cookie: s.cookie } })).json()).toMatchObject({ name: 'admin', via: 'session' })
    const out = await b.app.inject({ method: 'POST', url: '/logs/api/logout', headers: { cookie: s.cookie } })
    expect(out.statusCode).toBe(204)
    // The old cookie, replayed on the other instance: refused, admin actions included.
    refused(await a.app.inject({ url: '/logs/api/me', headers: { cookie: s.cookie } }), 401)
    refused(await a.app.inject({ url: '/logs/api/sessions', headers: { cookie: s.cookie } }), 401)
    refused(await a.app.inject({ method: 'DELETE', url: '/logs/api/sessions/AAAAAAAAAAAAAAAAAAAAAA', headers: { cookie: s.cookie, 'x-tovwatch-csrf': s.csrf } }), 401)
  })

  it('a removed token\'s sessions get 401; a downgraded one gets the new role', async () => {
    const a = await start({ TOVWATCH_TOKENS: `viewer:viewer:${VIEWER_TOKEN},admin:admin:${ADMIN_TOKEN}` })
    const s = await login(a)
    expect((await a.app.inject({ url: '/logs/api/sessions', headers: { cookie: s.cookie } })).statusCode).toBe(200)
    // "Restart" with the admin token's role lowered to viewer: the same cookie is a viewer now.
    const downgraded = await start({ TOVWATCH_TOKENS: `viewer:viewer:${VIEWER_TOKEN},admin:viewer:${ADMIN_TOKEN}` })
    expect((await downgraded.app.inject({ url: '/logs/api/me', headers: { cookie: s.cookie } })).json()).toMatchObject({ role: 'viewer' })
    refused(await downgraded.app.inject({ url: '/logs/api/sessions', headers: { cookie: s.cookie } }), 403)
    // And with the token removed: nothing at all.
    const removed = await start({ TOVWATCH_TOKENS: `viewer:viewer:${VIEWER_TOKEN}` })
    const gone = refused(await removed.app.inject({ url: '/logs/api/me', headers: { cookie: s.cookie } }), 401)
    expect(gone.message).toMatch(/session has ended/)
  })

  it('an admin lists and ends sessions, audited under the server\'s request id', async () => {
    const a = await start()
    const admin = await login(a)
    const viewer = await login(a, VIEWER_TOKEN)
    const list = await a.app.inject({ url: '/logs/api/sessions', headers: auth(ADMIN_TOKEN) })
    expect(list.statusCode).toBe(200)
    expect(list.headers['cache-control']).toBe('no-store')
    const sessions = list.json().sessions as Array<{ id: string, name: string, role: string, tokenConfigured: boolean }>
    const target = sessions.find((x) => x.name === 'viewer')!
    expect(target).toMatchObject({ role: 'viewer', tokenConfigured: true })
    expect(sessions.find((x) => x.name === 'admin')).toBeDefined()
    // No secret in the list: neither token nor cookie value.
    expect(list.body).not.toContain(VIEWER_TOKEN)
    expect(list.body).not.toContain(viewer.cookie.split(';')[0]!.split('=')[1])

    refused(await a.app.inject({ url: '/logs/api/sessions', headers: auth(VIEWER_TOKEN) }), 403)
    refused(await a.app.inject({ method: 'DELETE', url: `/logs/api/sessions/${target.id}`, headers: { cookie: viewer.cookie, 'x-tovwatch-csrf': viewer.csrf } }), 403)
    refused(await a.app.inject({ method: 'DELETE', url: '/logs/api/sessions/..%2F..%2Fetc', headers: auth(ADMIN_TOKEN) }), 400)
    // Ended with the admin's own session (CSRF header required), with a client-chosen request id.
    const end = await a.app.inject({ method: 'DELETE', url: `/logs/api/sessions/${target.id}`, headers: { cookie: admin.cookie, 'x-tovwatch-csrf': admin.csrf, 'x-request-id': 'client-chosen-id' } })
    expect(end.statusCode, end.body).toBe(200)
    const serverId = end.headers['x-request-id'] as string
    expect(serverId).toMatch(/^[0-9a-f-]{36}$/)
    refused(await a.app.inject({ url: '/logs/api/me', headers: { cookie: viewer.cookie } }), 401)
    refused(await a.app.inject({ method: 'DELETE', url: `/logs/api/sessions/${target.id}`, headers: auth(ADMIN_TOKEN) }), 404)
    const audit = await a.deps.pg.store.query("SELECT actor, via, action, params, result, request_id FROM tovwatch_admin_audit WHERE action = 'session-end' ORDER BY id")
    expect(audit.rows[0]).toMatchObject({ actor: 'admin', via: 'session', action: 'session-end', params: { session: target.id }, result: { done: true }, request_id: serverId })
    // The admin's own session still works.
    expect((await a.app.inject({ url: '/logs/api/me', headers: { cookie: admin.cookie } })).statusCode).toBe(200)
  })

  it('a forged or tampered cookie is refused', async () => {
    const a = await start()
    const s = await login(a)
    const value = s.cookie.split(';')[0]!.split('=')[1]!
    const [body, mac] = value.split('.')
    const forgedBody = Buffer.from(JSON.stringify({ sid: 'x'.repeat(22), csrf: 'c', exp: 9e9 })).toString('base64url')
    refused(await a.app.inject({ url: '/logs/api/me', headers: { cookie: `tw_session=${forgedBody}.${mac}` } }), 401)
    refused(await a.app.inject({ url: '/logs/api/me', headers: { cookie: `tw_session=${body}.${mac!.slice(0, -2)}AA` } }), 401)
  })
})
