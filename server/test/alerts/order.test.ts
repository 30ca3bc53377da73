import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, WEBHOOK_TOKEN } from './fixtures.js'
import { injectStream } from './ws-client.js'

describe.skipIf(!(await have('postgres')))('event ids become visible in id order', () => {
  let db: TestDatabase
  let t: TestApp
  beforeAll(async () => {
    db = await createTestDatabase()
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, ALERTS_ONLY)
  })
  afterAll(async () => { await t.close(); await db.drop() })

  it('a writer waits while another holds event ids it has not committed, so no client skips them', async () => {
    const client = await injectStream(t.app, '/logs/api/alerts/stream', { authorization: `Bearer ${VIEWER_TOKEN}` })
    await client.until((m) => m[0]?.type === 'snapshot')
    // Another instance, mid-transaction: it has drawn event ids and not committed yet.
    const other = await t.deps.pg.store.connect()
    try {
      await other.query('BEGIN')
      await t.app.alerts.store.writeWith(other, [{ fingerprint: 'slow-writer', status: 'firing', labels: { alertname: 'Slow' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: null, generatorURL: null, source: 'alertmanager' }])
      let answered = false
      const post = postHook(t, amPayload([amAlert()])).then((r) => { answered = true; return r })
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(answered).toBe(false)
      await other.query('COMMIT')
      expect((await post).statusCode).toBe(200)
    } finally {
      other.release()
    }
    // The other instance publishes nothing (its bus message was lost): the hub finds its event in the store.
    await client.until((m) => m.filter((x) => x.type === 'event').length === 2)
    const ids = client.eventIds()
    expect(ids[1]).toBe((ids[0] as number) + 1)
    expect(client.messages.filter((m) => m.type === 'event').map((m) => m.alert?.fingerprint)[0]).toBe('slow-writer')
    client.close()
  })
})
