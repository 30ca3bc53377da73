import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEmbedToken } from '../../src/auth/embed.js'
import { ADMIN_TOKEN, auth, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, REDIS_URL } from '../helpers/services.js'
import { amAlert, amPayload, hook, WEBHOOK_TOKEN } from '../alerts/fixtures.js'
import { clientIp, refused, securityApp } from './helpers.js'

const WRONG = 'wrong-token-0123456789abcdef'

// Issue #11 §3: failed authentication is throttled per client; right tokens from others are not.
describe.skipIf(!(await have('postgres', 'redis')))('failed authentication is throttled', () => {
  let db: TestDatabase
  const apps: TestApp[] = []
  const start = async (env: Record<string, string> = {}) => { const t = await securityApp(db.url, env); apps.push(t); return t }
  beforeAll(async () => { db = await createTestDatabase('tw_sec_thr') })
  afterEach(async () => { for (const t of apps.splice(0)) await t.close() })
  afterAll(async () => { await db?.drop() })

  const loginAs = (t: TestApp, token: string, ip: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token }, remoteAddress: ip, headers })

  it('login: 10 failures, then 429 with Retry-After even for the right token; another client is unaffected', async () => {
    const t = await start()
    const attacker = clientIp()
    for (let i = 0; i < 10; i++) refused(await loginAs(t, WRONG, attacker), 401)
    const blocked = refused(await loginAs(t, ADMIN_TOKEN, attacker), 429)
    expect(blocked.message).toMatch(/try again in \d+ s/)
    const res = await loginAs(t, WRONG, attacker)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60)
    expect((await loginAs(t, ADMIN_TOKEN, clientIp())).statusCode).toBe(200)
  })

  it('bearer tokens: successes are not counted, failures are', async () => {
    const t = await start()
    const ip = clientIp()
    for (let i = 0; i < 30; i++) expect((await t.app.inject({ url: '/logs/api/me', headers: auth(), remoteAddress: ip })).statusCode).toBe(200)
    for (let i = 0; i < 10; i++) refused(await t.app.inject({ url: '/logs/api/me', headers: auth(WRONG), remoteAddress: ip }), 401)
    const r = refused(await t.app.inject({ url: '/logs/api/me', headers: auth(VIEWER_TOKEN), remoteAddress: ip }), 429)
    expect(r.message).toMatch(/Too many failed/)
    expect((await t.app.inject({ url: '/logs/api/me', headers: auth(), remoteAddress: clientIp() })).statusCode).toBe(200)
  })

  it('a dashboard with an expired embed token does not lock its viewers out', async () => {
    const t = await start()
    const ip = clientIp()
    const expired = createEmbedToken(t.app.auth.embedSecret, '*', 60, Date.now() - 3600_000)
    for (let i = 0; i < 15; i++) expect(refused(await t.app.inject({ url: '/logs/api/me', headers: { 'x-tovwatch-embed': expired }, remoteAddress: ip }), 401).message).toMatch(/embed token/)
    expect((await loginAs(t, ADMIN_TOKEN, ip)).statusCode).toBe(200)
  })

  it('the Alertmanager webhook is throttled the same way', async () => {
    const t = await securityApp(db.url, { ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, { parts: { errors: false, database: false, scheduling: false, web: false } })
    apps.push(t)
    await t.app.alerts.whenReady()
    const ip = clientIp()
    const post = (headers: Record<string, string>, from = ip) => t.app.inject({ method: 'POST', url: '/logs/api/alerts/webhook', remoteAddress: from, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(amPayload([amAlert()])) })
    for (let i = 0; i < 10; i++) refused(await post(hook(WRONG)), 401)
    refused(await post(hook()), 429)
    expect((await post(hook(), clientIp())).statusCode).toBe(200)
  })

  it('the scheduling API\'s bearer tokens are throttled too (TovWatch and player tokens)', async () => {
    const t = await securityApp(db.url, {}, { parts: { errors: false, database: false, alerts: false, web: false } })
    apps.push(t)
    const ip = clientIp()
    const games = (token: string, from = ip) => t.app.inject({ url: '/api/games', headers: auth(token), remoteAddress: from })
    expect((await games(ADMIN_TOKEN)).statusCode).toBe(200)
    for (let i = 0; i < 5; i++) refused(await games(WRONG), 401)
    for (let i = 0; i < 5; i++) refused(await games(`tvp_${'A'.repeat(16)}_${'b'.repeat(43)}`), 401)
    refused(await games(ADMIN_TOKEN), 429)
    expect((await games(ADMIN_TOKEN, clientIp())).statusCode).toBe(200)
  })

  it('with REDIS_URL the counts are shared by every instance', async () => {
    const a = await start({ REDIS_URL })
    const b = await start({ REDIS_URL })
    const ip = clientIp()
    // Wait for both limiter clients to be connected (they fail open while Redis is not ready).
    for (const t of [a, b]) for (let i = 0; i < 100 && t.deps.rateLimitRedis?.status !== 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    for (let i = 0; i < 5; i++) refused(await loginAs(a, WRONG, ip), 401)
    for (let i = 0; i < 5; i++) refused(await loginAs(b, WRONG, ip), 401)
    refused(await loginAs(a, ADMIN_TOKEN, ip), 429)
    refused(await loginAs(b, ADMIN_TOKEN, ip), 429)
    expect((await loginAs(b, ADMIN_TOKEN, clientIp())).statusCode).toBe(200)
  })

  it('TRUST_PROXY off: a spoofed X-Forwarded-For does not change the key', async () => {
    const t = await start()
    const ip = clientIp()
    for (let i = 0; i < 10; i++) refused(await loginAs(t, WRONG, ip, { 'x-forwarded-for': clientIp() }), 401)
    refused(await loginAs(t, ADMIN_TOKEN, ip, { 'x-forwarded-for': clientIp() }), 429)
  })

  it('TRUST_PROXY on: the proxy\'s X-Forwarded-For is the client', async () => {
    const t = await start({ TRUST_PROXY: '1' })
    const proxy = clientIp()
    const attacker = clientIp()
    for (let i = 0; i < 10; i++) refused(await loginAs(t, WRONG, proxy, { 'x-forwarded-for': attacker }), 401)
    refused(await loginAs(t, ADMIN_TOKEN, proxy, { 'x-forwarded-for': attacker }), 429)
    // Another client behind the same proxy logs in.
    expect((await loginAs(t, ADMIN_TOKEN, proxy, { 'x-forwarded-for': clientIp() })).statusCode).toBe(200)
  })
})
