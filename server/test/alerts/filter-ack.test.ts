import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, WEBHOOK_TOKEN } from './fixtures.js'

describe.skipIf(!(await have('postgres')))('GET /api/alerts?filter= and acknowledgements', () => {
  let db: TestDatabase
  let t: TestApp
  const run = Math.random().toString(36).slice(2, 8)
  const get = async (query: string) => t.app.inject({ method: 'GET', url: `/logs/api/alerts?label=run=${run}&${query}`, headers: auth() })
  const f = (m: string) => `filter=${encodeURIComponent(m)}`

  beforeAll(async () => {
    db = await createTestDatabase()
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, ALERTS_ONLY)
    const mk = (alertname: string, job: string, instance: string, status: 'firing' | 'resolved' = 'firing') =>
      amAlert({ status, endsAt: status === 'resolved' ? '2026-11-22T02:00:00Z' : undefined, labels: { alertname, severity: 'critical', job, instance, run }, annotations: { summary: `${alertname} on ${instance}`, description: instance === 'c' ? 'the disk is full' : '' } })
    await postHook(t, amPayload([mk('TargetDown', 'tovplay-api', 'a'), mk('TargetDown', 'tovplay-web', 'b'), mk('DiskFull', 'node', 'c'), mk('TargetDown', 'tovplay-api', 'd', 'resolved')]))
  })
  afterAll(async () => { await t.close(); await db.drop() })

  it('filters by Alertmanager matchers (ANDed), anchored regexes and free text', async () => {
    const names = async (q: string) => (await get(q)).json().alerts.map((a: { labels: Record<string, string> }) => a.labels.instance).sort()
    expect(await names(f('job=~"tovplay.*"'))).toEqual(['a', 'b', 'd'])
    expect(await names(f('job=~"tovplay"'))).toEqual([])
    expect(await names(`${f('job=~"tovplay.*"')}&${f('instance!="b"')}`)).toEqual(['a', 'd'])
    expect(await names(`${f('{alertname="TargetDown", job!~".*web"}')}&state=firing`)).toEqual(['a'])
    expect(await names('q=DISK')).toEqual(['c'])
  })

  it('pages a filtered list with the cursor, without repeats or gaps', async () => {
    const p1 = (await get(`${f('job=~"tovplay.*"')}&limit=2`)).json()
    expect(p1.alerts).toHaveLength(2)
    expect(p1.nextCursor).not.toBeNull()
    const p2 = (await get(`${f('job=~"tovplay.*"')}&limit=2&cursor=${p1.nextCursor}`)).json()
    const ids = [...p1.alerts, ...p2.alerts].map((a: { id: string }) => a.id)
    expect(new Set(ids).size).toBe(3)
    expect(p2.nextCursor).toBeNull()
  })

  it.each([
    ['job=~"(oops"', /job=~"\(oops".*regular expression is not valid/],
    ['severity=="critical"', /unknown operator "=="/],
    ['="x"', /label name is empty/],
  ])('a bad matcher %s is a 400 that names it', async (m, message) => {
    const r = await get(f(m))
    expect(r.statusCode).toBe(400)
    expect(r.json().message).toMatch(message)
  })

  it('acknowledges for a while, un-acknowledges, refuses a resolved alert, and every change is an event', async () => {
    const firing = (await get(`${f('instance="a"')}`)).json().alerts[0]
    const before = Number((await get('')).json().lastEventId)
    const acked = await t.app.inject({ method: 'POST', url: `/logs/api/alerts/${firing.id}/ack`, headers: auth(), payload: { note: 'on it', forMinutes: 30 } })
    expect(acked.statusCode).toBe(200)
    const until = Date.parse(acked.json().acknowledged.until)
    expect(until - Date.now()).toBeGreaterThan(29 * 60_000)
    expect(acked.json().acknowledged).toMatchObject({ by: 'viewer', note: 'on it' })
    const un = await t.app.inject({ method: 'DELETE', url: `/logs/api/alerts/${firing.id}/ack`, headers: auth() })
    expect(un.statusCode).toBe(200)
    expect(un.json().acknowledged).toBeNull()
    const events = await t.deps.pg.store.query("SELECT alert->>'ack_by' AS by FROM tw_alert_events WHERE alert_id = $1 AND kind = 'ack' AND id > $2 ORDER BY id", [firing.id, before])
    expect(events.rows.map((r) => r.by)).toEqual(['viewer', null])

    const resolved = (await get(`${f('instance="d"')}`)).json().alerts[0]
    const r = await t.app.inject({ method: 'POST', url: `/logs/api/alerts/${resolved.id}/ack`, headers: auth(), payload: {} })
    expect(r.statusCode).toBe(409)
    expect(r.json().message).toMatch(/resolved/)
    expect((await t.app.inject({ method: 'POST', url: '/logs/api/alerts/999999999/ack', headers: auth(), payload: {} })).statusCode).toBe(404)
  })

  it('an acknowledgement past its chosen end no longer counts', async () => {
    const a = (await get(`${f('instance="b"')}`)).json().alerts[0]
    await t.app.inject({ method: 'POST', url: `/logs/api/alerts/${a.id}/ack`, headers: auth(), payload: { forMinutes: 5 } })
    await t.deps.pg.store.query("UPDATE tw_alerts SET ack_until = now() - interval '1 second' WHERE id = $1", [a.id])
    expect((await get(`${f('instance="b"')}`)).json().alerts[0].acknowledged).toBeNull()
  })
})
