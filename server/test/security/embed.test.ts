import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mintEmbedToken, createEmbedToken } from '../../src/auth/embed.js'
import { sign } from '../../src/auth/signed.js'
import { ADMIN_TOKEN, auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { amAlert, amPayload, postHook, WEBHOOK_TOKEN } from '../alerts/fixtures.js'
import { API_PARTS, refused, securityApp } from './helpers.js'

// Issue #11 §2: an embed token opens only what its panel shows.
describe.skipIf(!(await have('postgres')))('embed tokens', () => {
  let db: TestDatabase
  let t: TestApp
  let alertId: string
  beforeAll(async () => {
    db = await createTestDatabase('tw_sec_embed')
    t = await securityApp(db.url, { ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, API_PARTS)
    await t.app.alerts.whenReady()
    expect((await postHook(t, amPayload([amAlert()]))).statusCode).toBe(200)
    alertId = (await t.app.inject({ url: '/logs/api/alerts', headers: auth() })).json().alerts[0].id
  }, 120_000)
  afterAll(async () => { await t?.close(); await db?.drop() })

  const get = (url: string, token: string) => t.app.inject({ url, headers: { 'x-tovwatch-embed': token } })
  const q = (url: string, token: string) => t.app.inject({ url: `${url}${url.includes('?') ? '&' : '?'}embed_token=${encodeURIComponent(token)}` })

  it('a tables token reaches the tables call only', async () => {
    const tok = createEmbedToken(t.app.auth.embedSecret, 'tables', 600)
    expect((await get('/logs/api/database', tok)).statusCode).toBe(200)
    for (const url of ['/logs/api/errors?q=password', '/logs/api/errors?range=1h', '/logs/api/alerts', `/logs/api/alerts/${alertId}`, '/logs/api/connections', '/logs/api/alerts/stream', '/logs/api/sessions', '/logs/embed/alerts']) {
      const res = await get(url, tok)
      expect([401, 403], url).toContain(res.statusCode)
      refused(res, res.statusCode)
    }
  })

  it('the error-groups panel cannot search, nor ask for more groups than it shows', async () => {
    const tok = createEmbedToken(t.app.auth.embedSecret, 'error-groups', 600)
    expect((await get('/logs/api/errors?range=1h&minSeverity=high', tok)).statusCode).toBe(200)
    expect(refused(await get('/logs/api/errors?range=1h&q=secret', tok), 403).message).toMatch(/search/)
    expect(refused(await q('/logs/api/errors?q=%2F.%2A%2F', tok), 403).message).toMatch(/search/)
    refused(await get('/logs/api/errors?limit=1000', tok), 403)
    refused(await get('/logs/api/errors?range=1h&extra=1', tok), 403)
    refused(await get('/logs/api/database', tok), 403)
  })

  it('the error-rate panel gets the chart and no groups (no sample lines)', async () => {
    const rate = createEmbedToken(t.app.auth.embedSecret, 'error-rate', 600)
    const res = await get('/logs/api/errors?range=1h&minSeverity=low', rate)
    expect(res.statusCode).toBe(200)
    expect(res.json().groups).toEqual([])
    expect(res.json().series).toBeDefined()
  })

  it('the all token opens the panels\' calls, never a write, a search or another API', async () => {
    const all = createEmbedToken(t.app.auth.embedSecret, '*', 600)
    for (const url of ['/logs/api/database', '/logs/api/connections', '/logs/api/alerts?state=resolved&limit=200', `/logs/api/alerts/${alertId}`, '/logs/api/errors?range=1h']) {
      expect((await get(url, all)).statusCode, url).toBe(200)
    }
    refused(await get('/logs/api/errors?q=x', all), 403)
    refused(await get('/logs/api/alerts?label=alertname%3DTestAlert', all), 403)
    refused(await get('/logs/api/alerts?limit=1000', all), 403)
    refused(await get('/logs/api/sessions', all), 401)
    refused(await t.app.inject({ method: 'POST', url: `/logs/api/alerts/${alertId}/ack`, headers: { 'x-tovwatch-embed': all, 'content-type': 'application/json' }, payload: '{}' }), 401)
    refused(await t.app.inject({ method: 'POST', url: '/logs/api/database/guards/reset', headers: { 'x-tovwatch-embed': all, 'content-type': 'application/json' }, payload: '{"table":"x"}' }), 401)
  })

  it('is revoked by id without rotating EMBED_SECRET, audited; others keep working', async () => {
    const a = mintEmbedToken(t.app.auth.embedSecret, '*', 600)
    const b = mintEmbedToken(t.app.auth.embedSecret, '*', 600)
    expect((await get('/logs/api/database', a.token)).statusCode).toBe(200)
    refused(await t.app.inject({ method: 'DELETE', url: `/logs/api/embed-tokens/${a.id}`, headers: auth() }), 403)
    const r = await t.app.inject({ method: 'DELETE', url: `/logs/api/embed-tokens/${a.id}`, headers: auth(ADMIN_TOKEN) })
    expect(r.statusCode, r.body).toBe(200)
    expect(r.json()).toMatchObject({ id: a.id, revoked: true, alreadyRevoked: false })
    expect(refused(await get('/logs/api/database', a.token), 401).message).toMatch(/revoked/)
    expect((await get('/logs/api/database', b.token)).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'DELETE', url: `/logs/api/embed-tokens/${a.id}`, headers: auth(ADMIN_TOKEN) })).json().alreadyRevoked).toBe(true)
    const audit = await t.deps.pg.store.query("SELECT actor, params FROM tovwatch_admin_audit WHERE action = 'embed-token-revoke'")
    expect(audit.rows[0]).toMatchObject({ actor: 'admin', params: { embedToken: a.id } })
    refused(await t.app.inject({ method: 'DELETE', url: '/logs/api/embed-tokens/bad%20id', headers: auth(ADMIN_TOKEN) }), 400)
  })

  it('refuses tokens without an id, forged, expired or for writing', async () => {
    const legacy = sign({ p: '*', exp: Math.floor(Date.now() / 1000) + 600, ro: true }, t.app.auth.embedSecret)
    refused(await get('/logs/api/database', legacy), 401)
    refused(await get('/logs/api/database', createEmbedToken('another-secret-0123456789abcdef012345', '*', 600)), 401)
    refused(await get('/logs/api/database', createEmbedToken(t.app.auth.embedSecret, '*', 60, Date.now() - 3600_000)), 401)
    const notRo = sign({ p: '*', exp: Math.floor(Date.now() / 1000) + 600, ro: false, id: 'A'.repeat(16) }, t.app.auth.embedSecret)
    refused(await get('/logs/api/database', notRo), 401)
  })
})
