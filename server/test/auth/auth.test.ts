import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEmbedToken, verifyEmbedToken } from '../../src/auth/embed.js'
import { sign, verify } from '../../src/auth/signed.js'
import { createTokenStore, ensureGeneratedAdminToken } from '../../src/auth/tokens.js'
import { ADMIN_TOKEN, auth, buildTestApp as buildApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'

const parts = { errors: false, database: false, alerts: false, scheduling: false, web: false }
let t: TestApp | undefined
afterEach(async () => { await t?.close(); t = undefined })

function cookiesOf (setCookie: string | string[] | undefined): Record<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie]
  return Object.fromEntries(list.map((c) => { const [kv] = c.split(';'); const i = kv!.indexOf('='); return [kv!.slice(0, i), kv!.slice(i + 1)] }))
}

describe('tokens', () => {
  it('verifies configured tokens and rejects others', () => {
    const store = createTokenStore([{ name: 'ann', role: 'admin', secret: 'a'.repeat(20) }, { name: 'bob', role: 'viewer', secret: 'b'.repeat(20) }])
    expect(store.verify('a'.repeat(20))).toMatchObject({ name: 'ann', role: 'admin', via: 'token', tokenKey: expect.stringMatching(/^[0-9a-f]{32}$/) })
    expect(store.verify('a'.repeat(20))?.tokenKey).not.toBe(store.verify('b'.repeat(20))?.tokenKey)
    expect(store.verify('b'.repeat(20))?.name).toBe('bob')
    expect(store.verify('a'.repeat(19))).toBeUndefined()
    expect(store.verify('')).toBeUndefined()
  })

  it('generates an admin token once and keeps only its hash', () => {
    const dir = fs.mkdtempSync(path.join('/tmp', 'tw-token-'))
    const first = ensureGeneratedAdminToken(dir)
    expect(first.printOnce).toMatch(/^tw_/)
    const stored = fs.readFileSync(path.join(dir, 'admin-token.sha256'), 'utf8')
    expect(stored).not.toContain(first.printOnce!)
    const second = ensureGeneratedAdminToken(dir)
    expect(second.printOnce).toBeUndefined()
    expect(second.hash.equals(first.hash)).toBe(true)
    const store = createTokenStore([])
    store.add('admin', 'admin', second.hash)
    expect(store.verify(first.printOnce!)?.role).toBe('admin')
    fs.rmSync(dir, { recursive: true })
  })

  it('signed values reject tampering and expiry', () => {
    const v = sign({ a: 1, exp: Math.floor(Date.now() / 1000) + 60 }, 'k'.repeat(32))
    expect(verify<{ a: number, exp: number }>(v, 'k'.repeat(32))?.a).toBe(1)
    expect(verify(v, 'x'.repeat(32))).toBeUndefined()
    expect(verify(v.slice(0, -2) + 'AA', 'k'.repeat(32))).toBeUndefined()
    const old = sign({ exp: Math.floor(Date.now() / 1000) - 1 }, 'k'.repeat(32))
    expect(verify(old, 'k'.repeat(32))).toBeUndefined()
  })

  it('embed tokens are scoped to a panel', () => {
    const tok = createEmbedToken('s'.repeat(32), 'tables', 60)
    expect(verifyEmbedToken(tok, 's'.repeat(32), 'tables')).toBe(true)
    expect(verifyEmbedToken(tok, 's'.repeat(32), 'alerts')).toBe(false)
    // A read-only API call (no panel) accepts any panel's token.
    expect(verifyEmbedToken(tok, 's'.repeat(32), '*')).toBe(true)
    expect(verifyEmbedToken(createEmbedToken('s'.repeat(32), 'tables', -10), 's'.repeat(32), 'tables')).toBe(false)
  })
})

describe('auth on routes', () => {
  // Sessions live in the store: on the real PostgreSQL when there is one (the embedded PGlite
  // takes most of a test's time to start on a busy machine), else on the embedded default.
  let db: TestDatabase | undefined
  beforeAll(async () => { if (await have('postgres')) db = await createTestDatabase('tw_auth') })
  afterAll(async () => { await db?.drop() })
  const buildTestApp = (env: Record<string, string>, opts: Parameters<typeof buildApp>[1]) => buildApp({ ...(db !== undefined ? { DATABASE_URL: db.url } : {}), ...env }, opts)

  it('requires a token under BASE_PATH but not for health and metrics', async () => {
    t = await buildTestApp({}, { parts })
    expect((await t.app.inject({ url: '/logs/api/health' })).statusCode).toBe(200)
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(200)
    const me = await t.app.inject({ url: '/logs/api/me' })
    expect(me.statusCode).toBe(401)
    expect(me.headers['www-authenticate']).toContain('Bearer')
    expect((await t.app.inject({ url: '/logs/api/me', headers: auth('wrong-token-wrong-token') })).statusCode).toBe(401)
    const ok = await t.app.inject({ url: '/logs/api/me', headers: auth(VIEWER_TOKEN) })
    expect(ok.json()).toEqual({ name: 'viewer', role: 'viewer', via: 'token' })
  })

  it('logs in with a token into an httpOnly, SameSite=Strict session, and checks CSRF on writes', async () => {
    t = await buildTestApp({}, { parts })
    const bad = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: 'nope-nope-nope-nope' } })
    expect(bad.statusCode).toBe(401)
    const res = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: ADMIN_TOKEN } })
    expect(res.statusCode).toBe(200)
    const raw = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
    const session = raw.find((c) => c.startsWith('tw_session='))!
    expect(session).toMatch(/HttpOnly/i)
    expect(session).toMatch(/SameSite=Strict/i)
    expect(session).not.toMatch(/Secure/i) // plain http in the test
    const cookies = cookiesOf(raw)
    const cookie = `tw_session=${cookies.tw_session}; tw_csrf=${cookies.tw_csrf}`
    const me = await t.app.inject({ url: '/logs/api/me', headers: { cookie } })
    expect(me.json()).toMatchObject({ name: 'admin', role: 'admin', via: 'session' })
    // A write with the session cookie but without the CSRF header is refused.
    const noCsrf = await t.app.inject({ method: 'POST', url: '/logs/api/nowhere', headers: { cookie } })
    expect(noCsrf.statusCode).toBe(403)
    expect(noCsrf.json().message).toMatch(/CSRF/)
    const withCsrf = await t.app.inject({ method: 'POST', url: '/logs/api/nowhere', headers: { cookie, 'x-tovwatch-csrf': cookies.tw_csrf! } })
    expect(withCsrf.statusCode).toBe(404)
  })

  it('marks the session cookie Secure behind https (through a trusted proxy)', async () => {
    t = await buildTestApp({ TRUST_PROXY: '1' }, { parts })
    const res = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: VIEWER_TOKEN }, headers: { 'x-forwarded-proto': 'https' } })
    const session = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tw_session='))!
    expect(session).toMatch(/Secure/i)
  })

  it('validates the login body', async () => {
    t = await buildTestApp({}, { parts })
    const res = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { tok: 'x' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/token/)
  })
})
