import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { have } from '../../helpers/services.js'
import { injectStream, openStream, type StreamClient } from '../../alerts/ws-client.js'
import { store } from './fixtures.js'

const INTERVAL_MS = 400
type Frame = { type: string, id?: string, reason?: string, field?: string, message?: string, totals?: Record<string, number>, groups?: Array<{ count: number, samples: Array<{ line: string }> }> }
async function waitFor (ok: () => boolean, ms = 3000) {
  for (const until = Date.now() + ms; !ok(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > until) throw new Error('timed out')
  }
}
const frames = (c: StreamClient) => c.messages as unknown as Frame[]

describe.skipIf(!(await have('postgres')))('the live error feed on the alert stream', () => {
  let db: TestDatabase
  let loki: LokiDouble
  let t: TestApp
  const clients: StreamClient[] = []
  const open = async () => {
    const c = await injectStream(t.app, '/logs/api/alerts/stream', { authorization: `Bearer ${VIEWER_TOKEN}` })
    clients.push(c)
    await c.until((m) => m[0]?.type === 'snapshot')
    return c
  }
  beforeAll(async () => {
    db = await createTestDatabase()
    loki = await startLokiDouble({ lingerMs: 0 })
    t = await buildTestApp({ DATABASE_URL: db.url, LOKI_URL: loki.url, ERRORS_LIVE_INTERVAL_MS: String(INTERVAL_MS) }, { parts: { database: false, scheduling: false, web: false } })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await t?.close()
    await loki?.close()
    await db?.drop()
  })

  it('pushes a new error line to a subscribed socket within the refresh interval', async () => {
    const lines = store(loki)
    const c = await open()
    const since = Date.now()
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'page', since: new Date(since).toISOString(), minSeverity: 'high' }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    lines.add([[Date.now(), 0, 'level=error msg="payment provider refused the card" order=77']])
    const written = Date.now()
    await c.until((m) => (m as unknown as Frame[]).some((f) => f.type === 'errors.live' && f.totals?.high === 1), 5000)
    const seenAfter = Date.now() - written
    expect(seenAfter).toBeLessThanOrEqual(INTERVAL_MS + 1000)
    const live = frames(c).find((f) => f.type === 'errors.live' && f.totals?.high === 1)
    expect(live?.id).toBe('page')
    expect(live?.groups?.[0]?.samples[0]?.line).toContain('order=77')
    // Pings still answer, alongside the subscription.
    c.ws.send(JSON.stringify({ type: 'ping' }))
    await c.until((m) => m.filter((x) => x.type === 'heartbeat').length > 0)
    c.ws.send(JSON.stringify({ type: 'errors.unsubscribe', id: 'page' }))
    await waitFor(() => t.app.liveErrors?.subscriptions() === 0)
  })

  it('refuses a bad subscription with a frame naming the field, and keeps the socket', async () => {
    const c = await open()
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'a', since: new Date().toISOString(), minSeverity: 'loud' }))
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'b', since: 'yesterday' }))
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'c', since: new Date().toISOString(), q: '/(unclosed/' }))
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', since: new Date().toISOString() }))
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'old', since: String(Date.now() - 2 * 3600_000) }))
    await c.until((m) => (m as unknown as Frame[]).filter((f) => f.type === 'errors.live.refused').length === 5)
    const refused = frames(c).filter((f) => f.type === 'errors.live.refused').map((f) => [f.id, f.reason, f.field])
    expect(refused).toEqual([['a', 'input', 'minSeverity'], ['b', 'input', 'since'], ['c', 'input', 'q'], ['', 'input', 'id'], ['old', 'input', 'since']])
    c.ws.send(JSON.stringify({ type: 'ping' }))
    await c.until((m) => m.some((x) => x.type === 'heartbeat'))
  })

  it('ends a socket\'s subscriptions when it closes, and stops refreshing', async () => {
    // Over a real socket: the close is the point (an injected socket's close does not reach the server).
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const c = openStream(`ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs/api/alerts/stream`, { authorization: `Bearer ${VIEWER_TOKEN}` })
    clients.push(c)
    await c.until((m) => m[0]?.type === 'snapshot')
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'x', since: new Date().toISOString() }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(t.app.liveErrors?.subscriptions()).toBe(1)
    c.close()
    await c.closed
    await waitFor(() => t.app.liveErrors?.subscriptions() === 0)
    const asked = loki.queries().length
    await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS))
    expect(loki.queries().length).toBe(asked)
  })

  it('says the live feed is off when ERRORS_LIVE_INTERVAL_MS=0, and keeps the socket for alerts', async () => {
    const off = await buildTestApp({ DATABASE_URL: db.url, LOKI_URL: loki.url, ERRORS_LIVE_INTERVAL_MS: '0' }, { parts: { database: false, scheduling: false, web: false } })
    try {
      expect(off.app.liveErrors).toBeUndefined()
      const c = await injectStream(off.app, '/logs/api/alerts/stream', { authorization: `Bearer ${VIEWER_TOKEN}` })
      clients.push(c)
      await c.until((m) => m[0]?.type === 'snapshot')
      c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'p', since: new Date().toISOString() }))
      await c.until((m) => (m as unknown as Frame[]).some((f) => f.type === 'errors.live.refused'))
      expect(frames(c).find((f) => f.type === 'errors.live.refused')).toMatchObject({ id: 'p', reason: 'off' })
      c.ws.send(JSON.stringify({ type: 'ping' }))
      await c.until((m) => m.some((x) => x.type === 'heartbeat'))
    } finally {
      await off.close()
    }
  })
})
