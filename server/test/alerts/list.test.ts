import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, WEBHOOK_TOKEN } from './fixtures.js'

describe.skipIf(!(await have('postgres')))('GET /api/alerts and retention', () => {
  let db: TestDatabase
  let t: TestApp
  const run = Math.random().toString(36).slice(2, 8)
  const get = async (query: string) => t.app.inject({ method: 'GET', url: `/logs/api/alerts?${query}`, headers: auth() })

  beforeAll(async () => {
    db = await createTestDatabase()
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERT_RETENTION_DAYS: '30' }, ALERTS_ONLY)
    const mk = (severity: string, i: number, status: 'firing' | 'resolved', startsAt: string) =>
      amAlert({ status, startsAt, endsAt: status === 'resolved' ? '2026-11-20T12:00:00Z' : undefined, labels: { alertname: 'ListTest', severity, team: i % 2 === 0 ? 'db' : 'web', run } })
    await postHook(t, amPayload([
      mk('critical', 0, 'firing', '2026-11-21T10:00:00Z'),
      mk('critical', 1, 'firing', '2026-11-21T11:00:00Z'),
      mk('warning', 2, 'firing', '2026-11-21T12:00:00Z'),
      mk('high', 3, 'resolved', '2026-11-20T10:00:00Z'),
      mk('low', 4, 'firing', '2026-11-21T13:00:00Z'),
    ]))
  })
  afterAll(async () => { await t.close(); await db.drop() })

  it('filters by state, severity (repeatable; warning counts as medium) and label', async () => {
    const firing = (await get(`state=firing&label=run=${run}`)).json()
    expect(firing.alerts).toHaveLength(4)
    expect(Number(firing.lastEventId)).toBeGreaterThan(0)
    expect(Date.parse(firing.measuredAt)).not.toBeNaN()
    const sev = (await get(`severity=critical&severity=medium&label=run=${run}`)).json()
    expect(sev.alerts.map((a: { severity: string }) => a.severity).sort()).toEqual(['critical', 'critical', 'medium'])
    const both = (await get(`label=run=${run}&label=team=db`)).json()
    expect(both.alerts).toHaveLength(3)
  })

  it('filters by time: alerts active in [since, until]', async () => {
    const r = (await get(`label=run=${run}&since=2026-11-21T00:00:00Z`)).json()
    expect(r.alerts).toHaveLength(4)
    const old = (await get(`label=run=${run}&until=2026-11-20T23:00:00Z`)).json()
    expect(old.alerts).toHaveLength(1)
    expect(old.alerts[0].status).toBe('resolved')
  })

  it('pages with limit and an opaque cursor, without repeats', async () => {
    const p1 = (await get(`label=run=${run}&limit=2`)).json()
    expect(p1.alerts).toHaveLength(2)
    const p2 = (await get(`label=run=${run}&limit=2&cursor=${p1.nextCursor}`)).json()
    const p3 = (await get(`label=run=${run}&limit=2&cursor=${p2.nextCursor}`)).json()
    const ids = [...p1.alerts, ...p2.alerts, ...p3.alerts].map((a: { id: string }) => a.id)
    expect(new Set(ids).size).toBe(5)
    expect(p3.nextCursor).toBeNull()
  })

  it('answers one alert by id (what a chat link names), 404 for an unknown one, 400 for a malformed one', async () => {
    const [first] = (await get(`label=run=${run}&limit=1`)).json().alerts
    const one = await t.app.inject({ method: 'GET', url: `/logs/api/alerts/${first.id}`, headers: auth() })
    expect(one.statusCode).toBe(200)
    expect(one.json()).toEqual(first)
    const missing = await t.app.inject({ method: 'GET', url: '/logs/api/alerts/999999999', headers: auth() })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().message).toContain('No alert with id 999999999')
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/alerts/1%3B%20DROP', headers: auth() })).statusCode).toBe(400)
    expect((await t.app.inject({ method: 'GET', url: `/logs/api/alerts/${first.id}` })).statusCode).toBe(401)
  })

  it('refuses bad filters with 400 and a message', async () => {
    for (const [q, word] of [['state=burning', 'state'], ['severity=urgent', 'severity'], ['label=novalue', 'label'], ['since=yesterday', 'since'], ['limit=0', 'limit'], ['cursor=bogus', 'cursor']]) {
      const r = await get(q as string)
      expect(r.statusCode, q).toBe(400)
      expect(r.json().message, q).toContain(word)
    }
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/alerts' })).statusCode).toBe(401)
  })

  it('retention deletes resolved alerts and events older than ALERT_RETENTION_DAYS, and keeps firing ones', async () => {
    await t.deps.pg.store.query("UPDATE tw_alerts SET updated_at = now() - interval '31 days' WHERE labels->>'run' = $1", [run])
    await t.deps.pg.store.query("UPDATE tw_alert_events SET at = now() - interval '31 days' WHERE alert->'labels'->>'run' = $1", [run])
    const r = await t.app.alerts.store.prune(30)
    expect(r.alerts).toBe(1)
    expect(r.events).toBe(5)
    expect((await get(`label=run=${run}`)).json().alerts).toHaveLength(4)
  })
})
