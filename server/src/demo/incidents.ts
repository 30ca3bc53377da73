import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { DemoLogs } from './logs.js'

export interface IncidentDeps {
  app: FastifyInstance
  baseUrl: string
  adminToken: string
  webhookToken: string
  backupDir: string
  logs: DemoLogs
  say: (msg: string) => void
}

/** Seconds into each cycle. The first incident starts within 60 s of the start. */
export const CYCLE_S = 300
const LEGACY_ROWS = 22

/**
 * The scripted incidents, again every CYCLE_S: an Alertmanager alert posted to
 * TovWatch's own webhook (firing, then resolved), a row drop then a table collapse
 * (the "User" 22 → 0 incident), an error burst, a connection leak, a stale backup;
 * each is repaired later in the cycle, as the team would.
 */
export function scheduleIncidents (d: IncidentDeps): { stop: () => void, ready: Promise<void> } {
  const pool = d.app.deps.pg.app
  const timers = new Set<NodeJS.Timeout>()
  let stopped = false
  const at = (s: number, name: string, fn: () => Promise<void> | void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (stopped) return
      Promise.resolve().then(fn).then(() => d.say(name), (err: unknown) => d.say(`${name} failed: ${(err as Error).message}`))
    }, s * 1000)
    t.unref()
    timers.add(t)
  }
  const users = async (n: number) => {
    await pool.query('DELETE FROM "User"')
    await pool.query('INSERT INTO "User" (created_at) SELECT now() - g * interval \'3 days\' FROM generate_series(1, $1::int) g', [n])
  }
  const webhook = async (status: 'firing' | 'resolved', alertname: string, severity: string, summary: string, startsAt: Date) => {
    const alert = {
      status,
      labels: { alertname, severity, job: 'tovplay-api', instance: 'tovplay-prod:8000' },
      annotations: { summary, description: `${summary}. Posted by the demo as Alertmanager would.` },
      startsAt: startsAt.toISOString(),
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.demo:9090/graph',
    }
    const res = await fetch(`${d.baseUrl}/api/alerts/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', status, receiver: 'tovwatch', groupKey: `{}:{alertname="${alertname}"}`, groupLabels: { alertname }, commonLabels: alert.labels, externalURL: 'http://alertmanager.demo:9093', alerts: [alert] }),
      signal: AbortSignal.timeout(5000),
    })
    if (!res.ok) throw new Error(`webhook answered ${res.status}`)
  }
  const backup = (ageH: number) => {
    fs.mkdirSync(d.backupDir, { recursive: true })
    for (const f of fs.readdirSync(d.backupDir)) if (f.startsWith('tovplay-')) fs.rmSync(path.join(d.backupDir, f))
    const finishedAt = new Date(Date.now() - ageH * 3_600_000)
    const name = `tovplay-${finishedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.dump`
    fs.writeFileSync(path.join(d.backupDir, name), 'demo dump\n')
    fs.writeFileSync(path.join(d.backupDir, name + '.ok.json'), JSON.stringify({ file: name, finishedAt: finishedAt.toISOString(), bytes: 10, database: 'TovPlay' }))
  }
  const resetGuard = async () => {
    const res = await d.app.inject({ method: 'POST', url: `${d.app.config.basePath}/api/database/guards/reset`, headers: { authorization: `Bearer ${d.adminToken}` }, payload: { table: 'User' } })
    if (res.statusCode !== 200 && res.statusCode !== 404) throw new Error(`guard reset answered ${res.statusCode}`)
  }

  const ready = (async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS "User" (id serial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())')
    await users(LEGACY_ROWS)
    backup(1)
  })()

  const cycle = () => {
    const latencyStart = new Date(Date.now() + (10) * 1000)
    const leakStart = new Date(Date.now() + (45) * 1000)
    at(10, 'incident: Alertmanager posts TovPlayApiLatencyHigh (firing)', () => webhook('firing', 'TovPlayApiLatencyHigh', 'high', 'p95 latency of tovplay-api above 2 s', latencyStart))
    at(15, 'incident: 5 of 22 rows of "User" deleted (row-drop warning)', async () => { await pool.query('DELETE FROM "User" WHERE id IN (SELECT id FROM "User" ORDER BY id DESC LIMIT 5)') })
    at(25, 'incident: "User" emptied, 17 → 0 (table collapse, critical)', async () => { await pool.query('DELETE FROM "User"') })
    at(35, 'incident: error burst (tracebacks, e-mail timeouts) for 40 s', () => d.logs.burst(40))
    at(45, 'incident: connection leak (pool exhausted; Alertmanager posts TovPlayConnectionsNearLimit)', async () => {
      d.logs.poolExhausted()
      await webhook('firing', 'TovPlayConnectionsNearLimit', 'critical', 'PostgreSQL connections at 92 % of max_connections', leakStart)
    })
    at(55, 'incident: the last backup is 9 h old (stale)', () => backup(9))
    at(60, 'incident: pool still exhausted', () => d.logs.poolExhausted())
    at(150, 'resolved: TovPlayApiLatencyHigh', () => webhook('resolved', 'TovPlayApiLatencyHigh', 'high', 'p95 latency of tovplay-api above 2 s', latencyStart))
    at(160, 'resolved: connection leak fixed', () => webhook('resolved', 'TovPlayConnectionsNearLimit', 'critical', 'PostgreSQL connections at 92 % of max_connections', leakStart))
    at(170, 'repaired: "User" restored from the backup (22 rows), guard reset by an admin', async () => { await users(LEGACY_ROWS); await resetGuard() })
    at(200, 'repaired: a fresh backup', () => backup(0))
  }
  cycle()
  const roll = setInterval(cycle, CYCLE_S * 1000)
  roll.unref()
  return {
    ready,
    stop () {
      stopped = true
      for (const t of timers) clearTimeout(t)
      clearInterval(roll)
    },
  }
}
