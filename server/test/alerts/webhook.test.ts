import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { openStream } from './ws-client.js'
import { ALERTS_ONLY, amAlert, amPayload, eventCount, hook, postHook, WEBHOOK_TOKEN } from './fixtures.js'

let t: TestApp | undefined
afterEach(async () => { await t?.close(); t = undefined })

describe('webhook receiver on embedded PGlite', () => {
  it('is closed with 503 naming ALERT_WEBHOOK_TOKEN when no secret is configured, and health says so', async () => {
    t = await buildTestApp()
    const res = await postHook(t, amPayload([amAlert()]), {})
    expect(res.statusCode).toBe(503)
    expect(res.json().message).toContain('ALERT_WEBHOOK_TOKEN')
    const health = (await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json()
    expect(health.dependencies['alert-webhook']).toMatchObject({ status: 'disabled', kind: 'closed' })
    expect(health.dependencies['alert-webhook'].message).toContain('ALERT_WEBHOOK_TOKEN')
    expect(health.dependencies['alert-store'].status).toBe('up')
  }, 120_000)

  it('opens without auth only with ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED, and stores the alert', async () => {
    t = await buildTestApp({ ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'true' })
    const res = await postHook(t, amPayload([amAlert()]), {})
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', received: 1, stored: 1 })
  }, 120_000)
})

describe.skipIf(!(await have('postgres')))('webhook receiver on the real PostgreSQL', () => {
  let db: TestDatabase
  beforeAll(async () => { db = await createTestDatabase() })
  afterAll(async () => { await db.drop() })
  const env = () => ({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERT_WEBHOOK_USERNAME: 'am', ALERT_WEBHOOK_PASSWORD: 'basic-password-123', ALERT_WEBHOOK_BODY_LIMIT: String(8 * 1024 * 1024) })

  it('stores once: a redelivered identical alert writes no event; a resolve closes it', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const a = amAlert()
    const before = await eventCount(t)
    expect((await postHook(t, amPayload([a]))).json()).toMatchObject({ stored: 1 })
    expect((await postHook(t, amPayload([a]))).json()).toMatchObject({ received: 1, stored: 0 })
    expect(await eventCount(t)).toBe(before + 1)
    const resolved = { ...a, status: 'resolved' as const, endsAt: '2026-11-22T01:05:00Z' }
    expect((await postHook(t, amPayload([resolved]))).json()).toMatchObject({ stored: 1 })
    expect((await postHook(t, amPayload([resolved]))).json()).toMatchObject({ stored: 0 })
    const list = (await t.app.inject({ method: 'GET', url: `/logs/api/alerts?label=instance=${a.labels.instance}`, headers: { authorization: 'Bearer viewer-token-0123456789abcdef' } })).json()
    expect(list.alerts).toHaveLength(1)
    expect(list.alerts[0]).toMatchObject({ fingerprint: a.fingerprint, status: 'resolved', endsAt: '2026-11-22T01:05:00.000Z', severity: 'critical', source: 'alertmanager' })
    const kinds = await t.deps.pg.store.query("SELECT kind FROM tw_alert_events WHERE alert->>'fingerprint' = $1 ORDER BY id", [a.fingerprint])
    expect(kinds.rows.map((r) => r.kind)).toEqual(['firing', 'resolved'])
  })

  it('a changed annotation is an "updated" event; a new startsAt is a new alert', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const a = amAlert()
    await postHook(t, amPayload([a]))
    expect((await postHook(t, amPayload([{ ...a, annotations: { summary: 'new text' } }]))).json().stored).toBe(1)
    expect((await postHook(t, amPayload([{ ...a, startsAt: '2026-11-22T02:00:00Z' }]))).json().stored).toBe(1)
    const rows = await t.deps.pg.store.query('SELECT e.kind FROM tw_alert_events e JOIN tw_alerts a ON a.id = e.alert_id WHERE a.fingerprint = $1 ORDER BY e.id', [a.fingerprint])
    expect(rows.rows.map((r) => r.kind)).toEqual(['firing', 'updated', 'firing'])
  })

  it('accepts basic auth and refuses a wrong or missing token with 401', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const basic = 'Basic ' + Buffer.from('am:basic-password-123').toString('base64')
    expect((await postHook(t, amPayload([amAlert()]), { authorization: basic })).statusCode).toBe(200)
    const wrongBasic = 'Basic ' + Buffer.from('am:nope').toString('base64')
    expect((await postHook(t, amPayload([amAlert()]), { authorization: wrongBasic })).statusCode).toBe(401)
    const wrong = await postHook(t, amPayload([amAlert()]), hook('wrong-token'))
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json().message).toContain('not valid')
    expect(wrong.body).not.toContain(WEBHOOK_TOKEN)
    const missing = await postHook(t, amPayload([amAlert()]), {})
    expect(missing.statusCode).toBe(401)
    expect(missing.json().message).toContain('Authorization')
  })

  it('refuses bad input with a 4xx Alertmanager will not retry, and stores nothing', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const before = await eventCount(t)
    const malformed = await postHook(t, '{"version": "4", "alerts": [')
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().message).toMatch(/JSON/i)
    const version = await postHook(t, amPayload([amAlert()], { version: '3' }))
    expect(version.statusCode).toBe(422)
    expect(version.json().message).toContain('version "3"')
    const { startsAt: _s, ...noStart } = amAlert()
    const missing = await postHook(t, amPayload([noStart as ReturnType<typeof amAlert>]))
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toContain('startsAt')
    const missingAlerts = await postHook(t, { version: '4', status: 'firing', receiver: 'x' })
    expect(missingAlerts.statusCode).toBe(400)
    expect(missingAlerts.json().message).toContain('alerts')
    // One bad alert never costs the others (poison.test.ts): alone in its webhook, it is a 422.
    const badDate = await postHook(t, amPayload([amAlert({ startsAt: 'yesterday' })]))
    expect(badDate.statusCode).toBe(422)
    expect(badDate.json().message).toContain('alerts[0].startsAt is not an RFC3339 time')
    const badEnd = await postHook(t, amPayload([amAlert({ status: 'resolved', endsAt: '2026-13-45T99:00:00Z' })]))
    expect(badEnd.statusCode).toBe(422)
    expect(await eventCount(t)).toBe(before)
  })

  it('refuses a body over ALERT_WEBHOOK_BODY_LIMIT with 413', async () => {
    t = await buildTestApp({ ...env(), ALERT_WEBHOOK_BODY_LIMIT: '2048' }, ALERTS_ONLY)
    const many = amPayload(Array.from({ length: 20 }, () => amAlert()))
    const res = await postHook(t, many)
    expect(res.statusCode).toBe(413)
    expect(res.json().error).toBe('Payload Too Large')
  })

  it('stores 10,000 alerts from one payload in one transaction, and a stream client gets all of them without being cut off', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const client = openStream(`ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs/api/alerts/stream`, { authorization: `Bearer ${VIEWER_TOKEN}` })
    await client.until((m) => m[0]?.type === 'snapshot')
    const alerts = Array.from({ length: 10_000 }, () => amAlert())
    const body = JSON.stringify(amPayload(alerts, { truncatedAlerts: 3 }))
    expect(body.length).toBeLessThan(8 * 1024 * 1024)
    const res = await postHook(t, body)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ received: 10_000, stored: 10_000, truncatedAlerts: 3 })
    const n = await t.deps.pg.store.query('SELECT count(*)::int AS n FROM tw_alerts WHERE fingerprint = ANY($1)', [alerts.map((a) => a.fingerprint)])
    expect(n.rows[0].n).toBe(10_000)
    await client.until((m) => m.length === 10_001, 30_000)
    expect(new Set(client.eventIds()).size).toBe(10_000)
    client.close()
  }, 60_000)

  it('stores label values with HTML and script verbatim and returns them as JSON strings', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    const a = amAlert({ labels: { alertname: 'Evil', severity: 'high', instance: evil }, annotations: { summary: `<b>${evil}</b>` } })
    expect((await postHook(t, amPayload([a]))).statusCode).toBe(200)
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/alerts?label=alertname=Evil', headers: { authorization: 'Bearer viewer-token-0123456789abcdef' } })
    expect(res.headers['content-type']).toContain('application/json')
    const alert = res.json().alerts[0]
    expect(alert.labels.instance).toBe(evil)
    expect(alert.annotations.summary).toBe(`<b>${evil}</b>`)
  })
})
