import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmbedToken } from '../../src/auth/embed.js'
import { frameAncestors } from '../../src/web/headers.js'
import { DEFAULT_DIST } from '../../src/web/plugin.js'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { ensureUiBuilt } from './ui-build.js'

// Only the web part: these tests are about pages and headers, not the domain plugins.
const WEB_ONLY = { parts: { errors: false, database: false, alerts: false, scheduling: false } }
// One app for all (building one costs seconds: the embedded database starts with it).
let t: TestApp
beforeAll(async () => {
  ensureUiBuilt()
  t = await buildTestApp({ EMBED_ALLOWED_ORIGINS: 'https://grafana.example.com,http://127.0.0.1:3001' }, WEB_ONLY)
}, 120_000)
afterAll(async () => { await t?.close() })

describe('web plugin: pages and assets', () => {
  it('serves the app at {base}/ with a strict CSP, no-store and no framing', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/logs/', headers: auth() })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.headers['cache-control']).toBe('no-store')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.body).toContain('<meta name="tw-base" content="/logs">')
    expect(res.body).toMatch(/src="\/logs\/assets\/index-[\w-]+\.js"/)
    // No inline scripts or styles: every <script> has a src, there is no <style> and no style="".
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(res.body).not.toMatch(/<style|style="/)
  })

  it('redirects a browser without a session to the login page, keeping where it was going', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/logs/' })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/logs/login?next=%2Flogs%2F')
  })

  it('serves the login page without a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/logs/login' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<tw-login>')
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('serves hashed assets publicly as immutable for a year', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/logs/login' })
    const src = /src="(\/logs\/assets\/[^"]+\.js)"/.exec(page.body)?.[1]
    expect(src).toBeDefined()
    const res = await t.app.inject({ method: 'GET', url: src as string })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('javascript')
    expect(res.headers['cache-control']).toContain('immutable')
    expect(res.headers['cache-control']).toContain('max-age=31536000')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    const missing = await t.app.inject({ method: 'GET', url: '/logs/assets/nope-123.js' })
    expect(missing.statusCode).toBe(404)
    const traversal = await t.app.inject({ method: 'GET', url: '/logs/assets/..%2f..%2fpackage.json' })
    expect([400, 403, 404]).toContain(traversal.statusCode)
  })
})

describe('web plugin: embeds', () => {
  it('serves a panel with an embed token, framed only by the allowed origins', async () => {
    const token = createEmbedToken(t.app.auth.embedSecret, '*', 600)
    const res = await t.app.inject({ method: 'GET', url: `/logs/embed/error-rate?embed_token=${token}` })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<tw-embed>')
    expect(res.headers['content-security-policy']).toContain('frame-ancestors https://grafana.example.com http://127.0.0.1:3001')
    expect(res.headers['x-frame-options']).toBeUndefined()
    expect(res.headers['referrer-policy']).toBe('no-referrer')
  })

  it("uses frame-ancestors 'self' when no origin is configured, and ignores entries that are not origins", async () => {
    expect(frameAncestors([]).value).toBe("'self'")
    const f = frameAncestors(['https://ok.example', "https://x.example; script-src 'unsafe-inline'", '*'])
    expect(f.value).toBe('https://ok.example')
    expect(f.rejected).toHaveLength(2)
  })

  it('refuses an embed without a token, with a bad token, and an unknown panel', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/logs/embed/tables' })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: '/logs/embed/tables?embed_token=abc.def' })).statusCode).toBe(401)
    const other = createEmbedToken('another-secret-0123456789abcdef0123', '*', 600)
    expect((await t.app.inject({ method: 'GET', url: `/logs/embed/tables?embed_token=${other}` })).statusCode).toBe(401)
    const expired = createEmbedToken(t.app.auth.embedSecret, '*', 60, Date.now() - 3600_000)
    expect((await t.app.inject({ method: 'GET', url: `/logs/embed/tables?embed_token=${expired}` })).statusCode).toBe(401)
    const token = createEmbedToken(t.app.auth.embedSecret, '*', 600)
    const unknown = await t.app.inject({ method: 'GET', url: `/logs/embed/users?embed_token=${token}` })
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json().message).toContain('Unknown panel')
  })
})

describe('web plugin without a built UI', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-nodist-'))
  afterAll(() => { fs.rmSync(empty, { recursive: true, force: true }) })

  it('answers 503 with how to build it, and the API still works', async () => {
    const { createWebPlugin } = await import('../../src/web/plugin.js')
    const Fastify = (await import('fastify')).default
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } })
    await app.register((await import('@fastify/sensible')).default)
    app.decorate('config', { basePath: '/logs', auth: { embedAllowedOrigins: [] } } as never)
    await app.register(createWebPlugin(empty))
    app.get('/logs/api/ping', async () => ({ ok: true }))
    const page = await app.inject({ method: 'GET', url: '/logs/' })
    expect(page.statusCode).toBe(503)
    expect(page.body).toContain('npm run build:ui')
    expect((await app.inject({ method: 'GET', url: '/logs/assets/x.js' })).statusCode).toBe(503)
    expect((await app.inject({ method: 'GET', url: '/logs/api/ping' })).json()).toEqual({ ok: true })
    await app.close()
  })

  it('serves a UI built after the start without a restart, and picks up a rebuild', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-latebuild-'))
    const { createWebPlugin } = await import('../../src/web/plugin.js')
    const Fastify = (await import('fastify')).default
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } })
    try {
      await app.register((await import('@fastify/sensible')).default)
      app.decorate('config', { basePath: '/logs', auth: { embedAllowedOrigins: [] } } as never)
      await app.register(createWebPlugin(dist))
      expect((await app.inject({ method: 'GET', url: '/logs/login' })).statusCode).toBe(503)
      const before = await app.inject({ method: 'GET', url: '/logs/assets/login-aaa.js' })
      expect(before.statusCode).toBe(503)
      expect(before.headers['cache-control']).toBe('no-store')

      // npm run build:ui while the server runs.
      fs.mkdirSync(path.join(dist, 'assets'))
      fs.writeFileSync(path.join(dist, 'assets', 'login-aaa.js'), 'console.log("a")\n')
      const page = (js: string) => `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="./assets/${js}"></script></head><body><tw-login></tw-login></body></html>\n`
      for (const name of ['index', 'embed', 'login']) fs.writeFileSync(path.join(dist, `${name}.html`), page('login-aaa.js'))
      const login = await app.inject({ method: 'GET', url: '/logs/login' })
      expect(login.statusCode).toBe(200)
      expect(login.body).toContain('src="/logs/assets/login-aaa.js"')
      const asset = await app.inject({ method: 'GET', url: '/logs/assets/login-aaa.js' })
      expect(asset.statusCode).toBe(200)
      expect(asset.body).toBe('console.log("a")\n')
      expect(asset.headers['cache-control']).toContain('immutable')

      // A rebuild with new hashes: the page follows, the new asset is served.
      fs.writeFileSync(path.join(dist, 'assets', 'login-bbbbbb.js'), 'console.log("b")\n')
      fs.writeFileSync(path.join(dist, 'login.html'), page('login-bbbbbb.js'))
      expect((await app.inject({ method: 'GET', url: '/logs/login' })).body).toContain('src="/logs/assets/login-bbbbbb.js"')
      expect((await app.inject({ method: 'GET', url: '/logs/assets/login-bbbbbb.js' })).statusCode).toBe(200)
    } finally {
      await app.close()
      fs.rmSync(dist, { recursive: true, force: true })
    }
  })

  it('the default dist is ui/dist in the repository', () => {
    expect(DEFAULT_DIST.endsWith(path.join('ui', 'dist'))).toBe(true)
    expect(fs.existsSync(path.join(DEFAULT_DIST, 'index.html'))).toBe(true)
  })
})
