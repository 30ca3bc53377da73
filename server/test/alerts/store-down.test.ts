import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, waitFor, WEBHOOK_TOKEN } from './fixtures.js'
import { startPrivatePostgres } from './private-services.js'
import { injectStream, openStream } from './ws-client.js'

describe.skipIf(!(await have('postgres')))('PostgreSQL down (a private cluster that the test stops)', () => {
  let pg: Awaited<ReturnType<typeof startPrivatePostgres>>
  let t: TestApp
  beforeAll(async () => {
    pg = await startPrivatePostgres()
    t = await buildTestApp({ DATABASE_URL: pg.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, ALERTS_ONLY)
  })
  afterAll(async () => {
    await t?.close()
    await pg?.destroy()
  })

  it('answers 503 so Alertmanager retries, keeps internal alerts queued and live, and loses nothing once it is back', async () => {
    const client = await injectStream(t.app, '/logs/api/alerts/stream', { authorization: `Bearer ${VIEWER_TOKEN}` })
    await client.until((m) => m[0]?.type === 'snapshot')
    const first = amAlert()
    expect((await postHook(t, amPayload([first]))).statusCode).toBe(200)

    await pg.stop()
    const payload = amPayload([amAlert(), amAlert({ status: 'resolved', fingerprint: first.fingerprint, startsAt: first.startsAt, endsAt: '2026-11-22T01:10:00Z' })])
    const down = await postHook(t, payload)
    expect(down.statusCode).toBe(503)
    expect(down.json().message).toContain('Alertmanager will retry')
    const health = (await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json()
    expect(health.dependencies['alert-store'].status).toBe('down')

    t.app.alertSink.raise('test-store-down', { alertname: 'TovWatchTestStoreDown', severity: 'critical', labels: { table: 'players' }, summary: 'raised while the store is down', description: 'queued', view: 'database' })
    // Not stored yet, but every open page hears of it at once.
    await client.until((m) => m.some((x) => x.type === 'pending' && x.alert?.labels.alertname === 'TovWatchTestStoreDown'))
    expect(t.app.alerts.internal.queued()).toBe(1)

    await pg.start()
    // Alertmanager's retry: the same payload again.
    let retry = await postHook(t, payload)
    for (let i = 0; i < 20 && retry.statusCode === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      retry = await postHook(t, payload)
    }
    expect(retry.statusCode).toBe(200)
    expect(retry.json().stored).toBe(2)
    await waitFor(() => t.app.alerts.internal.queued() === 0, 15_000, 'the internal alert queue to drain')
    await client.until((m) => m.some((x) => x.type === 'event' && x.alert?.labels.alertname === 'TovWatchTestStoreDown'), 15_000)
    const rows = await t.deps.pg.store.query('SELECT fingerprint, status, source FROM tw_alerts ORDER BY id')
    expect(rows.rows).toHaveLength(3)
    expect(rows.rows.find((r) => r.fingerprint === first.fingerprint)?.status).toBe('resolved')
    expect(rows.rows.find((r) => r.source === 'tovwatch')?.status).toBe('firing')
    // A crash restart may skip sequence values: the client must hold exactly the stored events, in order.
    const stored = await t.deps.pg.store.query<{ id: string }>('SELECT id FROM tw_alert_events ORDER BY id')
    expect(client.eventIds()).toEqual(stored.rows.map((r) => Number(r.id)))
    client.close()
  }, 60_000)
})

describe('alert store unreachable at start', () => {
  it('TovWatch still starts; the webhook answers 503, the stream refuses politely and health says why', async () => {
    const t = await buildTestApp({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere', ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, ALERTS_ONLY)
    try {
      const res = await postHook(t, amPayload([amAlert()]))
      expect(res.statusCode).toBe(503)
      expect(res.json().message).toContain('Alertmanager will retry')
      const health = (await t.app.inject({ method: 'GET', url: '/logs/api/health' })).json()
      expect(health.dependencies['alert-store'].status).toBe('down')
      expect(health.dependencies['alert-store'].message).toContain('alert store unreachable')
      const list = await t.app.inject({ method: 'GET', url: '/logs/api/alerts', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })
      expect(list.statusCode).toBe(503)
      // A real socket: through app.injectWS this test timed out (avvio "did not start in time"); cause not yet found.
      await t.app.listen({ port: 0, host: '127.0.0.1' })
      const c = openStream(`ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs/api/alerts/stream`, { authorization: `Bearer ${VIEWER_TOKEN}` })
      expect((await c.closed).code).toBe(4503)
    } finally {
      await t.close()
    }
  })
})
