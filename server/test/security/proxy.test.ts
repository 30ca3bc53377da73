import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auth, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { openStream, refusedUpgrade } from '../alerts/ws-client.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { cookiesOf, login, securityApp } from './helpers.js'

const ALERTS: Parameters<typeof securityApp>[2] = { parts: { errors: false, database: false, scheduling: false, web: false } }

describe('TRUST_PROXY', () => {
  it('is off by default, takes a hop count or addresses, and refuses "true"', () => {
    expect(loadConfig({}).security.trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: '1' }).security.trustProxy).toBe(1)
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).security.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1'])
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError)
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: .*hop count/)
    expect(() => loadConfig({ TRUST_PROXY: 'evil.example' })).toThrow(/TRUST_PROXY: "evil.example" is not/)
  })
})

// Issue #11 §6: the Secure cookie, HSTS and the WebSocket host check believe X-Forwarded-* only from a trusted proxy.
describe.skipIf(!(await have('postgres')))('proxies are trusted only when told', () => {
  let db: TestDatabase
  const apps: TestApp[] = []
  const start = async (env: Record<string, string> = {}, opts = ALERTS) => { const t = await securityApp(db.url, env, opts); apps.push(t); return t }
  beforeAll(async () => { db = await createTestDatabase('tw_sec_proxy') })
  afterEach(async () => { for (const t of apps.splice(0)) await t.close() })
  afterAll(async () => { await db?.drop() })

  const httpsLogin = (t: TestApp) => t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: VIEWER_TOKEN }, headers: { 'x-forwarded-proto': 'https' } })
  const secure = (res: Awaited<ReturnType<typeof httpsLogin>>) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).every((c) => /;\s*Secure/i.test(c))

  it('off: a client saying https gets no Secure cookie and no HSTS', async () => {
    const t = await start()
    const res = await httpsLogin(t)
    expect(res.statusCode).toBe(200)
    expect(Object.keys(cookiesOf(res))).toContain('tw_session')
    expect(secure(res)).toBe(false)
    expect(res.headers['strict-transport-security']).toBeUndefined()
  })

  it('on: https through the proxy gets the Secure cookie and HSTS', async () => {
    const t = await start({ TRUST_PROXY: '127.0.0.1' })
    const res = await httpsLogin(t)
    expect(secure(res)).toBe(true)
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    // A proxy that is not the one named is not believed.
    const other = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: VIEWER_TOKEN }, headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '192.0.2.7' })
    expect(secure(other)).toBe(false)
  })

  it('off: a foreign Origin with X-Forwarded-Host: evil.example cannot open the alert stream', async () => {
    const t = await start()
    await t.app.alerts.whenReady()
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (t.app.server.address() as AddressInfo).port
    const url = `ws://127.0.0.1:${port}/logs/api/alerts/stream`
    const s = await login(t)
    const r = await refusedUpgrade(url, { cookie: s.cookie, origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' })
    expect(r.status).toBe(403)
    expect(r.body).toContain('not allowed')
    // The same page from this origin is let in.
    const ok = openStream(url, { cookie: s.cookie, origin: `http://127.0.0.1:${port}` })
    await ok.opened
    ok.close()
  })

  it('on: the trusted proxy\'s X-Forwarded-Host is the host the Origin is compared with', async () => {
    const t = await start({ TRUST_PROXY: '127.0.0.1' })
    await t.app.alerts.whenReady()
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (t.app.server.address() as AddressInfo).port
    const url = `ws://127.0.0.1:${port}/logs/api/alerts/stream`
    const c = openStream(url, { ...auth(), origin: 'https://watch.example', 'x-forwarded-host': 'watch.example', 'x-forwarded-proto': 'https' })
    await c.opened
    c.close()
    const r = await refusedUpgrade(url, { ...auth(), origin: 'https://evil.example', 'x-forwarded-host': 'watch.example' })
    expect(r.status).toBe(403)
  })
})
