import crypto from 'node:crypto'
import pg from 'pg'
import { WEBHOOK_TOKEN } from './tovwatch.js'

export interface FloodResult {
  sent: string[]
  /** Latency of each accepted webhook, ms. */
  latencies: number[]
  /** Attempts answered other than 200 (503, refused, reset), each retried. */
  retries: number
  /** When each batch was finally accepted (ms since epoch). */
  acceptedAt: number[]
  failedBatches: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function alert (fp: string, extra: Record<string, unknown> = {}) {
  return {
    status: 'firing',
    labels: { alertname: 'ChaosAlert', severity: 'high', instance: fp },
    annotations: { summary: `chaos ${fp}` },
    startsAt: '2026-11-22T01:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: fp,
    ...extra,
  }
}

export const payload = (alerts: unknown[]) => ({ version: '4', status: 'firing', receiver: 'tovwatch', groupKey: 'chaos', alerts })

/** One webhook, as Alertmanager sends it: retried (with backoff) on anything but 2xx/4xx, until the deadline. */
export async function deliver (url: () => string, body: unknown, deadline: number, onRetry: () => void): Promise<{ status: number, ms: number }> {
  for (let attempt = 0; ; attempt++) {
    const started = performance.now()
    try {
      const r = await fetch(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      })
      await r.arrayBuffer()
      if (r.status < 500) return { status: r.status, ms: performance.now() - started }
    } catch {}
    onRetry()
    if (Date.now() > deadline) return { status: 0, ms: performance.now() - started }
    await sleep(Math.min(100 * 2 ** attempt, 1000) * (0.5 + Math.random() / 2))
  }
}

/** `total` alerts in webhooks of `batch`, `concurrency` senders, each retried like Alertmanager does. */
export async function flood (url: () => string, o: { total: number, batch: number, concurrency: number, deadlineMs?: number, prefix?: string, paceMs?: number }): Promise<FloodResult> {
  const prefix = o.prefix ?? crypto.randomBytes(4).toString('hex')
  const sent = Array.from({ length: o.total }, (_, i) => `${prefix}-${i}`)
  const res: FloodResult = { sent, latencies: [], retries: 0, acceptedAt: [], failedBatches: 0 }
  const deadline = Date.now() + (o.deadlineMs ?? 180_000)
  let next = 0
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (next < sent.length) {
      const batch = sent.slice(next, next + o.batch)
      next += o.batch
      const r = await deliver(url, payload(batch.map((fp) => alert(fp))), deadline, () => { res.retries++ })
      if (r.status === 200) {
        res.latencies.push(r.ms)
        res.acceptedAt.push(Date.now())
      } else res.failedBatches++
      if (o.paceMs !== undefined) await sleep(o.paceMs)
    }
  }))
  return res
}

/** Lost: sent but not stored. Duplicated: stored twice, or more than one "firing" event for one alert. */
export async function verifyStored (dbUrl: string, fingerprints: string[]): Promise<{ lost: number, duplicated: number }> {
  const c = new pg.Client({ connectionString: dbUrl })
  await c.connect()
  try {
    const rows = await c.query<{ fingerprint: string, n: number }>('SELECT fingerprint, count(*)::int AS n FROM tw_alerts WHERE fingerprint = ANY($1) GROUP BY 1', [fingerprints])
    const events = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT alert_id FROM tw_alert_events e JOIN tw_alerts a ON a.id = e.alert_id
      WHERE a.fingerprint = ANY($1) AND e.kind = 'firing' GROUP BY alert_id HAVING count(*) > 1) d`, [fingerprints])
    const stored = new Set(rows.rows.map((r) => r.fingerprint))
    return {
      lost: fingerprints.filter((f) => !stored.has(f)).length,
      duplicated: rows.rows.filter((r) => r.n > 1).length + (events.rows[0]?.n ?? 0),
    }
  } finally {
    await c.end()
  }
}

export function percentile (xs: number[], p: number): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number
}
