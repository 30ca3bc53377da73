import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, waitFor, WEBHOOK_TOKEN } from './fixtures.js'
import { startPrivatePostgres } from './private-services.js'
import { startRealAlertmanager } from './real-alertmanager.js'
import { openStream, type StreamClient } from './ws-client.js'

describe.skipIf(!(await have('alertmanager', 'postgres')))('a real Alertmanager delivers to TovWatch', () => {
  let pg: Awaited<ReturnType<typeof startPrivatePostgres>>
  let t: TestApp
  let am: Awaited<ReturnType<typeof startRealAlertmanager>>
  let client: StreamClient
  const run = Math.random().toString(36).slice(2, 8)

  beforeAll(async () => {
    pg = await startPrivatePostgres()
    t = await buildTestApp({ DATABASE_URL: pg.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, ALERTS_ONLY)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (t.app.server.address() as AddressInfo).port
    am = await startRealAlertmanager(`http://127.0.0.1:${port}/logs/api/alerts/webhook`, { groupWait: '1s', inhibit: false, logLevel: 'debug' })
    client = openStream(`ws://127.0.0.1:${port}/logs/api/alerts/stream`, { authorization: `Bearer ${VIEWER_TOKEN}` })
    await client.until((m) => m[0]?.type === 'snapshot')
  })
  afterAll(async () => {
    client?.close()
    await am?.stop()
    await t?.close()
    await pg?.destroy()
  })

  const stored = async (alertname: string) => (await t.deps.pg.store.query('SELECT status, fingerprint, labels FROM tw_alerts WHERE alertname = $1', [alertname])).rows

  it('firing alerts reach the store and a WebSocket client; the resolve arrives too', async () => {
    const alertname = `AmFiring_${run}`
    const startsAt = new Date(Date.now() - 60_000).toISOString()
    const alerts = ['a', 'b'].map((i) => ({ labels: { alertname, severity: 'critical', instance: i }, annotations: { summary: `instance ${i} broke` }, startsAt, generatorURL: 'http://prometheus/graph' }))
    await am.post(alerts)
    await client.until((m) => m.filter((x) => x.type === 'event' && x.kind === 'firing' && x.alert?.labels.alertname === alertname).length === 2, 20_000)
    const rows = await stored(alertname)
    expect(rows).toHaveLength(2)
    expect(rows.every((r) => r.status === 'firing' && /^[0-9a-f]{16}$/.test(r.fingerprint))).toBe(true)

    await am.post(alerts.map((a) => ({ ...a, endsAt: new Date(Date.now() - 1000).toISOString() })))
    await client.until((m) => m.filter((x) => x.type === 'event' && x.kind === 'resolved' && x.alert?.labels.alertname === alertname).length === 2, 20_000)
    expect((await stored(alertname)).every((r) => r.status === 'resolved')).toBe(true)
  }, 60_000)

  it('with PostgreSQL down TovWatch answers 503, Alertmanager retries, and the alert arrives once it is back', async () => {
    const alertname = `AmRetry_${run}`
    await pg.stop()
    await am.post([{ labels: { alertname, severity: 'high' }, annotations: { summary: 'sent while the store is down' }, startsAt: new Date().toISOString() }])
    await waitFor(() => am.log.join('').includes('503'), 20_000, 'Alertmanager to log the 503')
    expect(await t.app.inject({ method: 'GET', url: '/metrics' }).then((r) => r.body)).toMatch(/tovwatch_alert_store_errors_total\{operation="write"\} [1-9]/)
    await pg.start()
    await client.until((m) => m.some((x) => x.type === 'event' && x.alert?.labels.alertname === alertname), 30_000)
    expect(await stored(alertname)).toHaveLength(1)
  }, 60_000)
})
