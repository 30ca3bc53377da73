import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, REDIS_URL } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, WEBHOOK_TOKEN } from './fixtures.js'
import { startPrivateRedis } from './private-services.js'
import { openStream, type StreamClient } from './ws-client.js'

const bearer = { authorization: `Bearer ${VIEWER_TOKEN}` }

async function instance (env: Record<string, string>) {
  const t = await buildTestApp({ ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ...env }, ALERTS_ONLY)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  return { t, url: `ws://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs/api/alerts/stream` }
}

const gapless = (ids: number[]) => ids.every((id, i) => i === 0 || id === (ids[i - 1] as number) + 1)

describe.skipIf(!(await have('postgres', 'redis')))('several instances share events over Redis', () => {
  let db: TestDatabase
  const apps: TestApp[] = []
  const clients: StreamClient[] = []
  beforeAll(async () => { db = await createTestDatabase() })
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close()
    for (const t of apps.splice(0)) await t.close()
  })
  afterAll(async () => { await db.drop() })

  it('a webhook that reaches instance A is seen by the clients of instance B, through Redis pub/sub', async () => {
    const a = await instance({ DATABASE_URL: db.url, REDIS_URL })
    const b = await instance({ DATABASE_URL: db.url, REDIS_URL })
    apps.push(a.t, b.t)
    expect(b.t.deps.bus.kind).toBe('redis')
    const channel = a.t.app.alerts.pipeline.channel()
    expect(channel).toBe(b.t.app.alerts.pipeline.channel())
    const spy = new Redis(REDIS_URL)
    const onRedis: string[] = []
    await spy.subscribe(channel as string)
    spy.on('message', (_c: string, m: string) => onRedis.push(m))
    try {
      const cb = openStream(b.url, bearer)
      clients.push(cb)
      await cb.until((m) => m[0]?.type === 'snapshot')
      const alert = amAlert()
      expect((await postHook(a.t, amPayload([alert]))).statusCode).toBe(200)
      await cb.until((m) => m.some((x) => x.type === 'event' && x.alert?.fingerprint === alert.fingerprint))
      expect(onRedis.some((m) => m.includes(alert.fingerprint))).toBe(true)
    } finally {
      spy.disconnect()
    }
  })

  it('concurrent webhooks on both instances: every client gets every stored event once, in id order', async () => {
    const a = await instance({ DATABASE_URL: db.url, REDIS_URL })
    const b = await instance({ DATABASE_URL: db.url, REDIS_URL })
    apps.push(a.t, b.t)
    const cs = [a.url, a.url, b.url, b.url].map((u) => openStream(u, bearer))
    clients.push(...cs)
    await Promise.all(cs.map((c) => c.until((m) => m[0]?.type === 'snapshot')))
    const from = Number(cs[0]?.messages[0]?.lastEventId)
    await Promise.all(Array.from({ length: 30 }, (_, i) => postHook(i % 2 === 0 ? a.t : b.t, amPayload(Array.from({ length: 5 }, () => amAlert())))))
    const stored = (await a.t.deps.pg.store.query<{ id: string }>('SELECT id FROM tw_alert_events WHERE id > $1 ORDER BY id', [from])).rows.map((r) => Number(r.id))
    expect(stored).toHaveLength(150)
    for (const c of cs) {
      await c.until((m) => m.filter((x) => x.type === 'event').length >= 150)
      expect(c.eventIds()).toEqual(stored)
    }
  })

  it('survives losing Redis mid-stream: local delivery, backfill from the store on the other instance, then recovery', async () => {
    const redis = await startPrivateRedis()
    try {
      const a = await instance({ DATABASE_URL: db.url, REDIS_URL: redis.url })
      const b = await instance({ DATABASE_URL: db.url, REDIS_URL: redis.url })
      apps.push(a.t, b.t)
      await new Promise((resolve) => setTimeout(resolve, 300))
      const ca = openStream(a.url, bearer)
      const cb = openStream(b.url, bearer)
      clients.push(ca, cb)
      await Promise.all([ca.until((m) => m[0]?.type === 'snapshot'), cb.until((m) => m[0]?.type === 'snapshot')])
      const seen = (c: StreamClient, fp: string) => c.until((m) => m.some((x) => x.type === 'event' && x.alert?.fingerprint === fp), 15_000)

      const before = amAlert()
      await postHook(a.t, amPayload([before]))
      await Promise.all([seen(ca, before.fingerprint), seen(cb, before.fingerprint)])

      await redis.kill()
      const during = [amAlert(), amAlert()]
      expect((await postHook(a.t, amPayload([during[0] as ReturnType<typeof amAlert>]))).statusCode).toBe(200)
      expect((await postHook(b.t, amPayload([during[1] as ReturnType<typeof amAlert>]))).statusCode).toBe(200)
      for (const f of during) await Promise.all([seen(ca, f.fingerprint), seen(cb, f.fingerprint)])
      expect(a.t.deps.bus.degraded()).toBe(true)

      await redis.start()
      const end = Date.now() + 15_000
      while (a.t.deps.bus.degraded() || b.t.deps.bus.degraded()) {
        if (Date.now() > end) throw new Error('Redis did not come back')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const after = amAlert()
      await postHook(b.t, amPayload([after]))
      await Promise.all([seen(ca, after.fingerprint), seen(cb, after.fingerprint)])

      for (const c of [ca, cb]) {
        const ids = c.eventIds()
        expect(ids).toHaveLength(4)
        expect(gapless(ids)).toBe(true)
      }
      expect(ca.eventIds()).toEqual(cb.eventIds())
    } finally {
      await redis.stop()
    }
  }, 60_000)
})
