import { Writable } from 'node:stream'
import pg from 'pg'
import pino from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loggerOptions } from '../../src/infra/logger.js'
import { ADMIN_TOKEN, auth, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { amAlert, amPayload, postHook, WEBHOOK_TOKEN } from '../alerts/fixtures.js'
import { login, refused, securityApp } from './helpers.js'

const ALERTS: Parameters<typeof securityApp>[2] = { parts: { errors: false, database: false, scheduling: false, web: false } }

// Issue #11 §7: the small ones.
describe.skipIf(!(await have('postgres')))('small leaks and crashes', () => {
  let db: TestDatabase
  const apps: TestApp[] = []
  const start = async (env: Record<string, string> = {}, opts = ALERTS) => { const t = await securityApp(db.url, env, opts); apps.push(t); return t }
  beforeAll(async () => { db = await createTestDatabase('tw_sec_small') })
  afterEach(async () => { for (const t of apps.splice(0)) await t.close() })
  afterAll(async () => { await db?.drop() })

  it('a CSRF header with a non-ASCII byte is a 403, not a 500', async () => {
    const t = await start()
    const s = await login(t)
    for (const header of [s.csrf.slice(0, -1) + 'é', 'é'.repeat(s.csrf.length), '\u00ff', s.csrf + '\u0080']) {
      const res = await t.app.inject({ method: 'POST', url: '/logs/api/alerts/1/ack', headers: { cookie: s.cookie, 'x-tovwatch-csrf': header, 'content-type': 'application/json' }, payload: '{}' })
      expect(refused(res, 403).message).toMatch(/CSRF/)
    }
  })

  it('an alert cursor with a huge id or an impossible time is a 400, not a 503', async () => {
    const t = await start({ ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN })
    await t.app.alerts.whenReady()
    const cursor = (s: string) => Buffer.from(s).toString('base64url')
    for (const c of ['2026-11-22 01:00:00+00|99999999999999999999', '2026-11-22 01:00:00+00|9223372036854775808', '2026-02-31 01:00:00+00|1', '275760-09-13 00:00:00+00|1', 'yesterday|1', '2026-11-22 01:00:00+00|-1']) {
      const res = await t.app.inject({ url: `/logs/api/alerts?cursor=${cursor(c)}`, headers: auth() })
      expect(refused(res, 400).message, c).toMatch(/cursor/)
    }
    // A cursor the API hands out still pages.
    await postHook(t, amPayload([amAlert(), amAlert()]))
    const first = (await t.app.inject({ url: '/logs/api/alerts?limit=1', headers: auth() })).json()
    const next = await t.app.inject({ url: `/logs/api/alerts?limit=1&cursor=${first.nextCursor}`, headers: auth() })
    expect(next.statusCode).toBe(200)
    expect(next.json().alerts[0].id).not.toBe(first.alerts[0].id)
  })

  it('x-request-id: the server\'s id always; a safe client id is only logged beside it', async () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
    const t = await securityApp(db.url, {}, { ...ALERTS, logger: pino(loggerOptions('info'), sink) })
    apps.push(t)
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
    for (const bad of ['x'.repeat(65), 'has space', 'semi;colon', '../../etc', 'é']) {
      const res = await t.app.inject({ url: '/logs/api/me', headers: { ...auth(), 'x-request-id': bad } })
      expect(res.headers['x-request-id']).toMatch(uuid)
    }
    const ok = await t.app.inject({ url: '/logs/api/me', headers: { ...auth(), 'x-request-id': 'trace-1.2_3' } })
    expect(ok.headers['x-request-id']).toMatch(uuid)
    const logged = lines.map((l) => JSON.parse(l) as { reqId?: string, clientRequestId?: string })
    expect(logged.some((l) => l.clientRequestId === 'trace-1.2_3' && l.reqId === ok.headers['x-request-id'])).toBe(true)
    expect(lines.join('')).not.toMatch(/has space|semi;colon|\.\.\/\.\.\/etc/)
  })

  it('JSON answers are neither cached nor sniffed; no HSTS over plain http', async () => {
    const t = await start()
    for (const res of [await t.app.inject({ url: '/logs/api/me', headers: auth() }), await t.app.inject({ url: '/logs/api/me' }), await t.app.inject({ url: '/logs/api/nowhere', headers: auth() })]) {
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['strict-transport-security']).toBeUndefined()
    }
  })

  it('URL credentials in an alert\'s generatorURL, labels and annotations are shown masked', async () => {
    const t = await start({ ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN })
    await t.app.alerts.whenReady()
    const alert = amAlert({
      labels: { alertname: 'Creds', severity: 'high', instance: 'postgres://app:LabelPw1@db:5432/TovPlay' },
      annotations: { summary: 'see https://ops:AnnPw2@runbooks.example/x', runbook: 'https://runbooks.example/y?token=AnnTok3&x=1' },
      generatorURL: 'http://admin:GenPw4@prometheus:9090/graph?g0.expr=up&api_key=GenKey5',
    })
    expect((await postHook(t, amPayload([alert]))).statusCode).toBe(200)
    const list = await t.app.inject({ url: '/logs/api/alerts?label=alertname%3DCreds', headers: auth() })
    const one = await t.app.inject({ url: `/logs/api/alerts/${list.json().alerts[0].id}`, headers: auth() })
    for (const res of [list, one]) {
      expect(res.statusCode).toBe(200)
      for (const secret of ['LabelPw1', 'AnnPw2', 'AnnTok3', 'GenPw4', 'GenKey5']) expect(res.body).not.toContain(secret)
    }
    const a = one.json()
    expect(a.labels.instance).toBe('postgres://app:***@db:5432/TovPlay')
    expect(a.generatorURL).toBe('http://admin:***@prometheus:9090/graph?g0.expr=up&api_key=***')
  })

  it('terminate-idle spares TovWatch\'s own connections by PID, not a client calling itself tovwatch', async () => {
    const t = await start({ ALLOW_TERMINATE_IDLE: 'true' }, { parts: { errors: false, alerts: false, scheduling: false, web: false } })
    const impostor = new pg.Client({ connectionString: db.url, application_name: 'tovwatch' })
    await impostor.connect()
    impostor.on('error', () => {})
    try {
      await t.deps.pg.store.query('SELECT 1') // at least one own connection, idle in its pool
      await new Promise((resolve) => setTimeout(resolve, 50))
      const res = await t.app.inject({ method: 'POST', url: '/logs/api/connections/terminate-idle', headers: auth(ADMIN_TOKEN), payload: { idleMinutes: 0, dryRun: true } })
      expect(res.statusCode, res.body).toBe(200)
      const listed = res.json().connections as Array<{ pid: number, application: string }>
      expect(listed.map((c) => c.application)).toContain('tovwatch')
      const own = t.deps.pg.ownPids?.() ?? []
      expect(own.length).toBeGreaterThan(0)
      expect(listed.filter((c) => own.includes(c.pid))).toEqual([])
    } finally {
      await impostor.end().catch(() => {})
    }
  })
})
