import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, REDIS_URL } from '../helpers/services.js'
import { ALERTS_ONLY, waitFor, WEBHOOK_TOKEN } from './fixtures.js'
import { freePort } from './private-services.js'
import { startRealAlertmanager } from './real-alertmanager.js'
import { openStream, type StreamClient } from './ws-client.js'

interface Muting { type: string, muted?: Record<string, { silencedBy: string[] }> }

describe.skipIf(!(await have('alertmanager', 'postgres', 'redis')))('a silence created through one instance reaches the pages of another within 2 s', () => {
  let db: TestDatabase
  let am: Awaited<ReturnType<typeof startRealAlertmanager>>
  const apps: TestApp[] = []
  let client: StreamClient
  const run = Math.random().toString(36).slice(2, 8)

  beforeAll(async () => {
    db = await createTestDatabase()
    const port = await freePort()
    am = await startRealAlertmanager(`http://127.0.0.1:${port}/logs/api/alerts/webhook`)
    // Polls far apart (15 s): only the announcement over Redis can make it in 2 s.
    const env = { DATABASE_URL: db.url, REDIS_URL, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERTMANAGER_URL: am.url, ALERTMANAGER_POLL_S: '15' }
    for (let i = 0; i < 2; i++) apps.push(await buildTestApp(env, ALERTS_ONLY))
    await apps[0]?.app.listen({ port, host: '127.0.0.1' })
    await apps[1]?.app.listen({ port: 0, host: '127.0.0.1' })
    client = openStream(`ws://127.0.0.1:${(apps[1]?.app.server.address() as AddressInfo).port}/logs/api/alerts/stream`, auth())
    await client.until((m) => m[0]?.type === 'snapshot')
    await am.post([{ labels: { alertname: `Multi_${run}`, severity: 'critical' }, annotations: { summary: 'x' }, startsAt: new Date().toISOString() }])
    await waitFor(async () => (await apps[0]?.deps.pg.store.query('SELECT 1 FROM tw_alerts WHERE alertname = $1', [`Multi_${run}`]))?.rowCount === 1, 20_000, 'the alert to be stored')
  }, 60_000)
  afterAll(async () => {
    client?.close()
    for (const t of apps) await t.close()
    await am?.stop()
    await db?.drop()
  })

  it('POST on instance A; the client of instance B hears the muting change within 2 s', async () => {
    const a = apps[0] as TestApp
    const fp = (await a.deps.pg.store.query<{ fingerprint: string }>('SELECT fingerprint FROM tw_alerts WHERE alertname = $1', [`Multi_${run}`])).rows[0]?.fingerprint as string
    const sent = Date.now()
    const r = await a.app.inject({ method: 'POST', url: '/logs/api/silences', headers: auth(ADMIN_TOKEN), payload: { matchers: [{ name: 'alertname', value: `Multi_${run}`, isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: 'multi' } })
    expect(r.statusCode).toBe(201)
    await client.until((m) => m.some((x) => x.type === 'muting' && (x as Muting).muted?.[fp]?.silencedBy.includes(r.json().id) === true), 2000)
    expect(Date.now() - sent).toBeLessThan(2000)
  })
})
