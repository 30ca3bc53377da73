import { startPrivatePostgres, startPrivateRedis } from '../../../server/test/alerts/private-services.js'
import { connect, missedAndDuplicated, until } from '../clients.js'
import { flood, verifyStored } from '../flood.js'
import { sleep, type Outcome, type ScenarioOptions } from '../outcome.js'
import { startTovWatch } from '../tovwatch.js'
import { storedIdsAfter } from './resume.js'

/** Two instances on one store and one Redis; Redis is killed while webhooks reach instance A, and B's clients must see every event. */
export async function redisKilled (o: ScenarioOptions): Promise<Outcome> {
  const db = await startPrivatePostgres()
  const redis = await startPrivateRedis()
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url }
  const a = await startTovWatch(env)
  const b = await startTovWatch(env)
  try {
    const n = o.quick ? 20 : 100
    const clients = Array.from({ length: n }, (_, i) => connect((i % 2 === 0 ? b : a).port))
    await until(() => clients.every((c) => c.snapshot !== null), 30_000)
    const from = Number(clients[0]?.snapshot?.lastEventId ?? 0)
    const running = flood(() => `${a.base}/api/alerts/webhook`, { total: o.quick ? 100 : 400, batch: 2, concurrency: 1, paceMs: 50 })
    await sleep(500)
    await redis.kill()
    await sleep(o.quick ? 3000 : 10_000)
    await redis.start()
    const backAt = Date.now()
    const r = await running
    const expected = await storedIdsAfter(db.url, from)
    await until(() => clients.every((c) => c.eventIds.length >= expected.length), 30_000)
    const caughtUpS = Math.round((Date.now() - backAt) / 10) / 100
    const counts = clients.map((c) => missedAndDuplicated(c, expected))
    const missed = counts.reduce((s, x) => s + x.missed, 0)
    const dupes = counts.reduce((s, x) => s + x.duplicated, 0)
    const closed = clients.filter((c) => c.closeCode !== null).length
    for (const c of clients) c.ws.close()
    const v = await verifyStored(db.url, r.sent)
    return {
      name: 'redis-killed',
      lost: v.lost + missed,
      duplicated: v.duplicated + dupes,
      recoverS: caughtUpS,
      peakRssMb: Math.round(Math.max(a.peakRssMb(), b.peakRssMb())),
      figures: { clients: n, events: expected.length, 'events missed by clients': missed, 'clients closed': closed },
      checks: [{ what: 'every webhook accepted', ok: r.failedBatches === 0 }],
    }
  } finally {
    await a.stop()
    await b.stop()
    await redis.stop()
    await db.destroy()
  }
}
