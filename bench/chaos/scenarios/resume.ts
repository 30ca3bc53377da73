import pg from 'pg'
import { startPrivatePostgres } from '../../../server/test/alerts/private-services.js'
import { connect, missedAndDuplicated, until } from '../clients.js'
import { flood, verifyStored } from '../flood.js'
import type { Outcome, ScenarioOptions } from '../outcome.js'
import { startTovWatch } from '../tovwatch.js'

/** Event ids stored after `after`, in order. */
export async function storedIdsAfter (dbUrl: string, after: number): Promise<number[]> {
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  try {
    return (await c.query<{ id: string }>('SELECT id FROM tw_alert_events WHERE id > $1 ORDER BY id', [after])).rows.map((r) => Number(r.id))
  } finally {
    await c.end()
  }
}

/** Many clients drop, alerts arrive, and they all come back at once with ?lastEventId=N. */
export async function resume500 (o: ScenarioOptions): Promise<Outcome> {
  const db = await startPrivatePostgres()
  const tw = await startTovWatch({ DATABASE_URL: db.url })
  try {
    const n = o.quick ? 100 : 500
    const first = Array.from({ length: n }, () => connect(tw.port))
    await until(() => first.every((c) => c.snapshot !== null), 60_000)
    const last = first.map((c) => c.snapshot?.lastEventId ?? '0')
    for (const c of first) c.ws.close()
    const r = await flood(() => `${tw.base}/api/alerts/webhook`, { total: o.quick ? 50 : 200, batch: 5, concurrency: 2 })
    const expected = await storedIdsAfter(db.url, Number(last[0]))
    const started = performance.now()
    const again = last.map((id) => connect(tw.port, id))
    const complete = await until(() => again.every((c) => c.eventIds.length >= expected.length || c.closeCode !== null), 60_000)
    const seconds = (performance.now() - started) / 1000
    const counts = again.map((c, i) => missedAndDuplicated(c, expected.filter((id) => id > Number(last[i]))))
    const missed = counts.reduce((s, x) => s + x.missed, 0)
    const dupes = counts.reduce((s, x) => s + x.duplicated, 0)
    const closed = again.filter((c) => c.closeCode !== null).length
    for (const c of again) c.ws.close()
    const v = await verifyStored(db.url, r.sent)
    return {
      name: 'resume-500',
      lost: v.lost + missed,
      duplicated: v.duplicated + dupes,
      recoverS: null,
      peakRssMb: Math.round(tw.peakRssMb()),
      figures: { clients: n, 'events to replay': expected.length, 'events missed by clients': missed, 'all replayed s': Math.round(seconds * 100) / 100, 'clients closed': closed },
      checks: [{ what: 'every client replayed', ok: complete }, { what: 'replays are in id order', ok: again.every((c) => c.eventIds.every((id, i) => i === 0 || id > (c.eventIds[i - 1] as number))) }],
    }
  } finally {
    await tw.stop()
    await db.destroy()
  }
}
