import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auth, buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, waitFor, WEBHOOK_TOKEN } from './fixtures.js'
import { injectStream, openStream, refusedUpgrade, type StreamClient } from './ws-client.js'

describe.skipIf(!(await have('postgres')))('alert stream (WebSocket)', () => {
  let db: TestDatabase
  let t: TestApp
  let url: string
  const clients: StreamClient[] = []
  const bearer = { authorization: `Bearer ${VIEWER_TOKEN}` }
  /** Over a real socket: where the socket is the point (a slow reader, the Origin a browser sends). */
  const open = (query = '', headers: Record<string, string> = bearer) => {
    const c = openStream(url + query, headers)
    clients.push(c)
    return c
  }
  /** Through app.injectWS: where what the stream says is the point. */
  const inject = async (query = '', headers: Record<string, string> = bearer) => {
    const c = await injectStream(t.app, '/logs/api/alerts/stream' + query, headers)
    clients.push(c)
    return c
  }
  /** The id a client resumes from once it has everything stored: its snapshot may be shared, and followed by the events since. */
  const caughtUp = async (c: StreamClient) => {
    const { max } = await t.app.alerts.store.eventBounds()
    await c.until(() => c.lastId() >= max)
    return c.lastId()
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, WS_QUEUE_LIMIT: '50', WS_ALLOWED_ORIGINS: 'https://grafana.example.com' }, ALERTS_ONLY)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    url = `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs/api/alerts/stream`
  })
  afterEach(() => { for (const c of clients.splice(0)) c.close() })
  afterAll(async () => { await t.close(); await db.drop() })

  it('sends a snapshot of the firing alerts, then live events with increasing ids', async () => {
    const firing = amAlert()
    await postHook(t, amPayload([firing]))
    const c = await inject()
    await c.until((m) => m[0]?.type === 'snapshot')
    const snap = c.messages[0]
    expect(snap?.alerts?.map((a) => a.fingerprint)).toContain(firing.fingerprint)
    const next = [amAlert(), amAlert()]
    await postHook(t, amPayload(next))
    await c.until((m) => m.filter((x) => x.type === 'event').length === 2)
    const ids = c.eventIds()
    expect(ids[0]).toBe(Number(snap?.lastEventId) + 1)
    expect(ids[1]).toBe((ids[0] as number) + 1)
    expect(c.messages.filter((m) => m.type === 'event').map((m) => m.alert?.fingerprint)).toEqual(next.map((a) => a.fingerprint))
  })

  it('replays every missed event from ?lastEventId=N, in order, before live ones, without duplicates', async () => {
    const c = await inject()
    const last = await caughtUp(c)
    c.close()
    await postHook(t, amPayload([amAlert(), amAlert(), amAlert()]))
    const r = await inject(`?lastEventId=${last}`)
    await r.until((m) => m.filter((x) => x.type === 'event').length === 3)
    await postHook(t, amPayload([amAlert()]))
    await r.until((m) => m.filter((x) => x.type === 'event').length === 4)
    expect(r.messages.some((m) => m.type === 'snapshot')).toBe(false)
    expect(r.eventIds()).toEqual([last + 1, last + 2, last + 3, last + 4])
  })

  it('answers an unknown lastEventId (newer than the store) with a fresh snapshot', async () => {
    const c = await inject('?lastEventId=999999999')
    await c.until((m) => m[0]?.type === 'snapshot')
    expect(Number(c.messages[0]?.lastEventId)).toBeLessThan(999999999)
  })

  it('refuses a bad lastEventId with 400', async () => {
    const r = await refusedUpgrade(url + '?lastEventId=abc', bearer)
    expect(r.status).toBe(400)
    expect(r.body).toContain('lastEventId')
  })

  it('checks auth and the Origin', async () => {
    expect((await refusedUpgrade(url, {})).status).toBe(401)
    await expect(inject('', {})).rejects.toThrow('401')
    const foreign = await refusedUpgrade(url, { ...bearer, origin: 'https://evil.example.net' })
    expect(foreign.status).toBe(403)
    expect(foreign.body).toContain('WS_ALLOWED_ORIGINS')
    const host = new URL(url).host
    const same = open('', { ...bearer, origin: `http://${host}` })
    await same.opened
    const grafana = open('', { ...bearer, origin: 'https://grafana.example.com' })
    await grafana.opened
  })

  it('requires a bearer token from a client without Origin (an embed token is for browsers)', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token: VIEWER_TOKEN } })
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ')
    expect(cookie).toContain('tw_session')
    const r = await refusedUpgrade(url, { cookie })
    expect(r.status).toBe(403)
    expect(r.body).toContain('Bearer')
    const browser = open('', { cookie, origin: `http://${new URL(url).host}` })
    await browser.opened
  })

  it('closes a client that sends garbage with 1008 and a reason, binary with 1003, and keeps serving others', async () => {
    const bystander = await inject()
    await bystander.until((m) => m[0]?.type === 'snapshot')
    const g = await inject()
    await g.opened
    g.ws.send('{"this is": not json')
    expect(await g.closed).toMatchObject({ code: 1008 })
    expect((await g.closed).reason).toContain('ping')
    const b = await inject()
    await b.opened
    b.ws.send(Buffer.from([0, 1, 2, 255]))
    expect((await b.closed).code).toBe(1003)
    const p = await inject()
    await p.opened
    p.ws.send('{"type":"ping"}')
    await p.until((m) => m.some((x) => x.type === 'heartbeat'))
    await postHook(t, amPayload([amAlert()]))
    await bystander.until((m) => m.some((x) => x.type === 'event'))
  })

  it('disconnects a slow client with 4008 and never holds back the others', async () => {
    const fast = open()
    const slow = open()
    await Promise.all([fast.until((m) => m[0]?.type === 'snapshot'), slow.until((m) => m[0]?.type === 'snapshot')])
    // Stop reading: the kernel buffers fill, sends stay unflushed, the queue passes WS_QUEUE_LIMIT.
    const raw = (slow.ws as unknown as { _socket: { pause: () => void } })._socket
    raw.pause()
    const big = 'x'.repeat(60 * 1024) // under ALERT_MAX_ANNOTATIONS_BYTES (64 KiB)
    const alerts = Array.from({ length: 300 }, () => amAlert({ annotations: { summary: 'big', description: big } }))
    for (let i = 0; i < alerts.length; i += 50) await postHook(t, amPayload(alerts.slice(i, i + 50)))
    await fast.until((m) => m.filter((x) => x.type === 'event').length === 300, 20_000)
    const ids = fast.eventIds()
    expect(new Set(ids).size).toBe(300)
    // The backlog stays over WS_QUEUE_LIMIT on two sweeps (1 s apart): closed as too slow.
    await waitFor(async () => /tovwatch_ws_disconnects_total\{reason="slow"\} [1-9]/.test((await t.app.inject({ method: 'GET', url: '/metrics' })).body), 10_000, 'the slow client to be closed')
    ;(slow.ws as unknown as { _socket: { resume: () => void } })._socket.resume()
    const closed = await slow.closed
    expect([4008, 1006]).toContain(closed.code)
  }, 60_000)

  it('broadcasts an acknowledgement with who, when and the note', async () => {
    const a = amAlert()
    await postHook(t, amPayload([a]))
    const c = await inject()
    await c.until((m) => m[0]?.type === 'snapshot')
    const list = (await t.app.inject({ method: 'GET', url: `/logs/api/alerts?label=instance=${a.labels.instance}`, headers: auth() })).json()
    const id = list.alerts[0].id
    const res = await t.app.inject({ method: 'POST', url: `/logs/api/alerts/${id}/ack`, headers: auth(), payload: { note: 'looking <b>now</b>' } })
    expect(res.statusCode).toBe(200)
    expect(res.json().acknowledged).toMatchObject({ by: 'viewer', note: 'looking <b>now</b>' })
    await c.until((m) => m.some((x) => x.type === 'event' && x.kind === 'ack'))
    expect(c.messages.find((x) => x.kind === 'ack')?.alert?.acknowledged).toMatchObject({ by: 'viewer' })
    expect((await t.app.inject({ method: 'POST', url: '/logs/api/alerts/99999999/ack', headers: auth(), payload: {} })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'POST', url: `/logs/api/alerts/${id}/ack`, payload: {} })).statusCode).toBe(401)
  })

  it('gives 500 clients reconnecting at once with lastEventId a complete replay each', async () => {
    const c = open()
    const from = await caughtUp(c)
    await postHook(t, amPayload(Array.from({ length: 20 }, () => amAlert())))
    const expected = Array.from({ length: 20 }, (_, i) => from + 1 + i)
    const many = Array.from({ length: 500 }, () => open(`?lastEventId=${from}`))
    // A live event lands while the replays run: each client must see it exactly once, after the replay.
    const live = postHook(t, amPayload([amAlert()]))
    await live
    await Promise.all(many.map((m) => m.until((msgs) => msgs.filter((x) => x.type === 'event').length >= 21, 30_000)))
    for (const m of many) expect(m.eventIds()).toEqual([...expected, from + 21])
  }, 60_000)
})
