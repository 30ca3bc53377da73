import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, WEBHOOK_TOKEN } from './fixtures.js'
import { injectStream, openStream, type StreamClient } from './ws-client.js'

type Snap = { lastEventId: string, alerts: Array<{ fingerprint: string, updatedAt: string }>, truncated: number, nextCursor: string | null }

describe.skipIf(!(await have('postgres')))('stream snapshots: shared, bounded, retried; shutdown closes with 1001', () => {
  let db: TestDatabase
  let t: TestApp | undefined
  let url: string
  const clients: StreamClient[] = []
  const bearer = { authorization: `Bearer ${VIEWER_TOKEN}` }
  /** Over a real socket: for the shutdown, where the socket's close is the point. */
  const open = (query = '') => {
    const c = openStream(url + query, bearer)
    clients.push(c)
    return c
  }
  /** Through app.injectWS: for what the snapshot says. */
  const inject = async (query = '') => {
    const c = await injectStream(t!.app, '/logs/api/alerts/stream' + query, bearer)
    clients.push(c)
    return c
  }
  const computed = async () => Number(/tovwatch_alert_snapshots_computed_total (\d+)/.exec((await t!.app.inject({ method: 'GET', url: '/metrics', headers: bearer })).body)?.[1] ?? 0)

  beforeEach(async () => {
    db = await createTestDatabase()
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERT_SNAPSHOT_LIMIT: '10' }, ALERTS_ONLY)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    url = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs/api/alerts/stream`
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    await t?.close()
    t = undefined
    await db.drop()
  })

  it('is bounded: the newest ALERT_SNAPSHOT_LIMIT firing alerts, a truncated count, and a cursor that pages the rest', async () => {
    const alerts = Array.from({ length: 30 }, () => amAlert())
    for (const a of alerts) await postHook(t!, amPayload([a]))
    const c = await inject()
    await c.until((m) => m[0]?.type === 'snapshot')
    const snap = c.messages[0] as unknown as Snap
    expect(snap.alerts).toHaveLength(10)
    expect(snap.truncated).toBe(20)
    // Newest first: the last ten posted.
    expect(new Set(snap.alerts.map((a) => a.fingerprint))).toEqual(new Set(alerts.slice(20).map((a) => a.fingerprint)))
    const seen = new Set(snap.alerts.map((a) => a.fingerprint))
    let cursor = snap.nextCursor
    while (cursor !== null) {
      const page = (await t!.app.inject({ method: 'GET', url: `/logs/api/alerts?state=firing&limit=7&cursor=${cursor}`, headers: bearer })).json()
      for (const a of page.alerts) {
        expect(seen.has(a.fingerprint)).toBe(false)
        seen.add(a.fingerprint)
      }
      cursor = page.nextCursor
    }
    expect(seen).toEqual(new Set(alerts.map((a) => a.fingerprint)))
  })

  it('is computed once for clients connecting together, and kept across events: a later client gets it and the events since', async () => {
    await postHook(t!, amPayload([amAlert(), amAlert()]))
    const before = await computed()
    const many = await Promise.all(Array.from({ length: 50 }, () => inject()))
    await Promise.all(many.map((c) => c.until((m) => m[0]?.type === 'snapshot')))
    expect(await computed()).toBe(before + 1)
    expect(new Set(many.map((c) => (c.messages[0] as unknown as Snap).lastEventId)).size).toBe(1)
    const fresh = amAlert()
    await postHook(t!, amPayload([fresh]))
    await Promise.all(many.map((c) => c.until((m) => m.some((x) => x.type === 'event'))))
    const late = await inject()
    await late.until((m) => m.some((x) => x.type === 'event'))
    // No second read: the snapshot the others got, then the event that came after it.
    expect(await computed()).toBe(before + 1)
    expect(late.messages[0]).toEqual(many[0]!.messages[0])
    expect(late.messages[1]).toMatchObject({ type: 'event', alert: { fingerprint: fresh.fingerprint } })
    expect(late.eventIds()).toEqual(many[0]!.eventIds())
  })

  it('a failed snapshot is retried for the client instead of closing it with 4503', async () => {
    await postHook(t!, amPayload([amAlert()]))
    const store = t!.app.alerts.store
    const real = store.snapshot
    let failures = 0
    store.snapshot = async (limit) => {
      if (failures++ < 2) throw new Error('timeout exceeded when trying to connect')
      return real(limit)
    }
    try {
      const c = await inject()
      await c.until((m) => m[0]?.type === 'snapshot', 10_000)
      expect(failures).toBe(3)
      expect((c.messages[0] as unknown as Snap).alerts).toHaveLength(1)
    } finally {
      store.snapshot = real
    }
  })

  it('at shutdown, clients get the events already received, then close code 1001', async () => {
    const c = open()
    await c.until((m) => m[0]?.type === 'snapshot')
    const a = amAlert()
    expect((await postHook(t!, amPayload([a]))).statusCode).toBe(200)
    const closing = t!.close()
    t = undefined
    const closed = await c.closed
    await closing
    expect(closed.code).toBe(1001)
    expect(c.messages.some((m) => m.type === 'event' && m.alert?.fingerprint === a.fingerprint)).toBe(true)
  })
})
