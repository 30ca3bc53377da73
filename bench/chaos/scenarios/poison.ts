import crypto from 'node:crypto'
import pg from 'pg'
import { startPrivatePostgres } from '../../../server/test/alerts/private-services.js'
import { startAlertmanager } from '../alertmanager.js'
import type { Outcome, ScenarioOptions } from '../outcome.js'
import { startTovWatch } from '../tovwatch.js'

/**
 * A group whose alerts carry a NUL and a lone surrogate, through the real Alertmanager: every alert
 * stored, no retry loop. (Alertmanager's JSON decoder already turns the lone surrogate into U+FFFD;
 * the NUL reaches TovWatch.)
 */
export async function poisonThroughAlertmanager (_o: ScenarioOptions): Promise<Outcome> {
  const db = await startPrivatePostgres()
  const tw = await startTovWatch({ DATABASE_URL: db.url })
  const am = await startAlertmanager(`${tw.base}/api/alerts/webhook`)
  try {
    const run = crypto.randomBytes(3).toString('hex')
    const alerts = Array.from({ length: 20 }, (_, i) => ({
      labels: { alertname: `Poison${run}`, severity: 'high', instance: `i${i}` },
      annotations: { summary: i === 3 ? 'nul \u0000 inside' : i === 7 ? 'lone \ud800 surrogate' : 'fine' },
      startsAt: new Date().toISOString(),
    }))
    const posted = await am.post(alerts)
    const started = performance.now()
    const c = new pg.Client({ connectionString: db.url })
    await c.connect()
    let stored = 0
    let sanitized = 0
    try {
      const count = async () => {
        const r = await c.query<{ n: number, s: number }>("SELECT count(*)::int AS n, count(*) FILTER (WHERE annotations ? 'tovwatch_sanitized')::int AS s FROM tw_alerts WHERE alertname = $1", [`Poison${run}`])
        stored = r.rows[0]?.n ?? 0
        sanitized = r.rows[0]?.s ?? 0
      }
      for (let i = 0; i < 150 && stored < alerts.length; i++) {
        await count()
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const dup = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT fingerprint FROM tw_alerts WHERE alertname = $1 GROUP BY fingerprint HAVING count(*) > 1) d', [`Poison${run}`])
      // A retry would show in Alertmanager's log meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const retried = (am.log().match(/Notify for alerts failed|Notify attempt failed/g) ?? []).length
      return {
        name: 'poison-alertmanager',
        lost: alerts.length - stored,
        duplicated: dup.rows[0]?.n ?? 0,
        recoverS: null,
        peakRssMb: Math.round(tw.peakRssMb()),
        figures: { 'Alertmanager accepted': posted.status, stored, 'marked sanitized': sanitized, 'stored in s': Math.round((performance.now() - started) / 100) / 10, 'failed notifications in Alertmanager log': retried },
        checks: [{ what: 'no failed notification (no 503 retry loop)', ok: retried === 0 }, { what: 'the NUL and the surrogate are marked', ok: sanitized >= 1 }],
      }
    } finally {
      await c.end()
    }
  } finally {
    await am.stop()
    await tw.stop()
    await db.destroy()
  }
}
