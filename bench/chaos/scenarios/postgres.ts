import { startPrivatePostgres } from '../../../server/test/alerts/private-services.js'
import { flood, percentile, verifyStored } from '../flood.js'
import { recoveredAfter, sleep, type Outcome, type ScenarioOptions } from '../outcome.js'
import { startTovWatch } from '../tovwatch.js'

/** A webhook flood through a PostgreSQL restart, then a stop of a few seconds and a start. */
export async function postgresRestart (o: ScenarioOptions): Promise<Outcome> {
  const db = await startPrivatePostgres()
  const tw = await startTovWatch({ DATABASE_URL: db.url })
  try {
    const total = o.quick ? 400 : 2000
    const running = flood(() => `${tw.base}/api/alerts/webhook`, { total, batch: o.quick ? 5 : 10, concurrency: o.quick ? 2 : 4, paceMs: 100 })
    await sleep(1000)
    await db.stop()
    await db.start()
    const restartedAt = Date.now()
    await sleep(1500)
    await db.stop()
    await sleep(o.quick ? 2000 : 5000)
    await db.start()
    const startedAt = Date.now()
    const r = await running
    const v = await verifyStored(db.url, r.sent)
    return {
      name: 'postgres-restart',
      ...v,
      recoverS: recoveredAfter(r.acceptedAt, startedAt),
      peakRssMb: Math.round(tw.peakRssMb()),
      figures: { alerts: total, retries: r.retries, 'recover after restart s': recoveredAfter(r.acceptedAt, restartedAt) ?? 'n/a', 'webhook p99 ms': Math.round(percentile(r.latencies, 99)) },
      checks: [{ what: 'every webhook accepted in the end', ok: r.failedBatches === 0 }],
    }
  } finally {
    await tw.stop()
    await db.destroy()
  }
}
