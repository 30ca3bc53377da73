import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, waitFor, WEBHOOK_TOKEN } from './fixtures.js'
import { startRealAlertmanager } from './real-alertmanager.js'
import { openStream, type StreamClient } from './ws-client.js'

interface Muting { type: string, muted?: Record<string, { silencedBy: string[], inhibitedBy: string[] }> }
const hour = 3600_000

describe.skipIf(!(await have('alertmanager', 'postgres')))('silences through a real Alertmanager', () => {
  let db: TestDatabase
  let t: TestApp
  let am: Awaited<ReturnType<typeof startRealAlertmanager>>
  let client: StreamClient
  const run = Math.random().toString(36).slice(2, 8)
  const admin = auth(ADMIN_TOKEN)
  const audit = async (action: string) => (await t.deps.pg.store.query('SELECT actor, params, result FROM tovwatch_admin_audit WHERE action = $1 ORDER BY id', [action])).rows
  const silence = (matchers: Array<{ name: string, value: string, isRegex?: boolean, isEqual?: boolean }>, extra: Record<string, unknown> = {}) => ({
    matchers: matchers.map((m) => ({ isRegex: false, ...m })),
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + hour).toISOString(),
    comment: 'maintenance of db1',
    createdBy: 'someone else',
    ...extra,
  })
  const post = (body: unknown, query = '', headers = admin) => t.app.inject({ method: 'POST', url: `/logs/api/silences${query}`, headers, payload: body as object })
  const fp = async (alertname: string) => (await t.deps.pg.store.query<{ fingerprint: string }>("SELECT fingerprint FROM tw_alerts WHERE alertname = $1 AND status = 'firing'", [alertname])).rows[0]?.fingerprint

  beforeAll(async () => {
    db = await createTestDatabase()
    // The store's webhook port is only known after listen: Alertmanager starts with it, then the app is rebuilt with its URL.
    const first = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, ALERTS_ONLY)
    await first.app.listen({ port: 0, host: '127.0.0.1' })
    const port = (first.app.server.address() as AddressInfo).port
    await first.close()
    am = await startRealAlertmanager(`http://127.0.0.1:${port}/logs/api/alerts/webhook`)
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERTMANAGER_URL: am.url, ALERTMANAGER_POLL_S: '15' }, ALERTS_ONLY)
    await t.app.listen({ port, host: '127.0.0.1' })
    client = openStream(`ws://127.0.0.1:${port}/logs/api/alerts/stream`, auth())
    await client.until((m) => m[0]?.type === 'snapshot')
    const startsAt = new Date(Date.now() - 60_000).toISOString()
    // An inhibited alert is never sent to receivers: the warning fires (and reaches TovWatch) first, as in life.
    await am.post([
      { labels: { alertname: `SlowQueries_${run}`, severity: 'warning', cluster: 'c1', run }, annotations: { summary: 'queries are slow' }, startsAt },
      { labels: { alertname: `DiskFull_${run}`, severity: 'critical', cluster: 'c2', instance: 'db2', run }, annotations: { summary: 'disk full' }, startsAt },
    ])
    await waitFor(async () => (await fp(`DiskFull_${run}`)) !== undefined && (await fp(`SlowQueries_${run}`)) !== undefined, 20_000, `the alerts to reach TovWatch: ${am.log.join('').slice(-800)}`)
    await am.post([{ labels: { alertname: `DbDown_${run}`, severity: 'critical', cluster: 'c1', run }, annotations: { summary: 'db1 is down' }, startsAt }])
    await waitFor(async () => (await fp(`DbDown_${run}`)) !== undefined, 20_000, 'the critical alert to reach TovWatch')
  }, 60_000)
  afterAll(async () => {
    client?.close()
    await t?.close()
    await am?.stop()
    await db?.drop()
  })

  it('marks an alert inhibited by Alertmanager\'s inhibition rule', async () => {
    const slow = await fp(`SlowQueries_${run}`) as string
    await waitFor(async () => {
      const r = (await t.app.inject({ method: 'GET', url: '/logs/api/alerts/muting', headers: auth() })).json()
      return (r.muted[slow]?.inhibitedBy.length ?? 0) > 0
    }, 20_000, 'the inhibition to show')
    const r = (await t.app.inject({ method: 'GET', url: '/logs/api/alerts/muting', headers: auth() })).json()
    expect(r.available).toBe(true)
    expect(r.muted[slow].inhibitedBy).toEqual([await fp(`DbDown_${run}`)])
  }, 30_000)

  it('creates a silence (createdBy = the logged-in admin, audited); Alertmanager mutes the alert and every page hears within 2 s; DELETE expires it', async () => {
    const disk = await fp(`DiskFull_${run}`) as string
    const sent = Date.now()
    const r = await post(silence([{ name: 'alertname', value: `DiskFull_${run}` }, { name: 'instance', value: 'db.', isRegex: true }]))
    expect(r.statusCode).toBe(201)
    const { id, matched, warning } = r.json()
    expect(matched).toBe(1)
    expect(warning).toBeNull()
    await client.until((m) => m.some((x) => x.type === 'muting' && (x as Muting).muted?.[disk]?.silencedBy.includes(id) === true), 2000)
    expect(Date.now() - sent).toBeLessThan(2000)
    const inAm = (await am.silences()).find((s) => s.id === id)
    expect(inAm).toMatchObject({ createdBy: 'admin', comment: 'maintenance of db1', status: { state: 'active' } })
    expect((await am.alerts()).find((a) => a.fingerprint === disk)?.status.silencedBy).toEqual([id])
    const list = (await t.app.inject({ method: 'GET', url: '/logs/api/silences', headers: auth() })).json()
    expect(list.silences.map((s: { id: string }) => s.id)).toContain(id)
    expect((await audit('silence-create')).at(-1)).toMatchObject({ actor: 'admin', result: { ok: { silenceID: id } } })

    expect((await t.app.inject({ method: 'DELETE', url: `/logs/api/silences/${id}`, headers: auth() })).statusCode).toBe(403)
    const del = await t.app.inject({ method: 'DELETE', url: `/logs/api/silences/${id}`, headers: admin })
    expect(del.statusCode).toBe(200)
    expect((await am.silences()).find((s) => s.id === id)?.status.state).toBe('expired')
    await client.until((m) => { const last = m.filter((x) => x.type === 'muting').at(-1) as Muting | undefined; return last !== undefined && last.muted?.[disk] === undefined }, 2000)
    const again = await t.app.inject({ method: 'DELETE', url: `/logs/api/silences/${id}`, headers: admin })
    expect(again.statusCode).toBe(409)
    expect((await audit('silence-expire')).at(-1)).toMatchObject({ actor: 'admin', params: { id } })
  }, 30_000)

  it('refuses bad silences with a clear 400 and creates nothing', async () => {
    const before = (await am.silences()).length
    const cases: Array<[unknown, RegExp]> = [
      [silence([{ name: 'alertname', value: '(oops', isRegex: true }]), /matchers\[0\].*regular expression is not valid/],
      [silence([{ name: '', value: 'x' }]), /matchers\[0\]: the label name is empty/],
      [silence([{ name: 'alert name', value: 'x' }]), /"alert name" is not a label name/],
      [silence([{ name: 'alertname', value: 'x' }], { endsAt: new Date(Date.now() - hour).toISOString(), startsAt: new Date().toISOString() }), /ends .* before it starts/],
      [silence([{ name: 'alertname', value: 'x' }], { endsAt: new Date(Date.now() + 400 * 24 * hour).toISOString() }), /more than a year/],
      [silence([{ name: 'team', value: '.*', isRegex: true }]), /match the empty label set/],
      [silence([{ name: 'alertname', value: 'x' }], { startsAt: 'tomorrow' }), /startsAt is not an RFC 3339 time/],
    ]
    for (const [body, message] of cases) {
      const r = await post(body)
      expect(r.statusCode, JSON.stringify(body)).toBe(400)
      expect(r.json().message).toMatch(message)
    }
    expect((await post(silence([{ name: 'alertname', value: 'x' }]), '', auth())).statusCode).toBe(403)
    expect((await am.silences()).length).toBe(before)
  })

  it('warns about a silence that matches nothing and creates it; refuses one that matches everything unless confirmed', async () => {
    const none = await post(silence([{ name: 'alertname', value: `NoSuchAlert_${run}` }]))
    expect(none.statusCode).toBe(201)
    expect(none.json()).toMatchObject({ matched: 0, warning: expect.stringMatching(/matches no firing alert/) })

    const before = (await am.silences()).length
    const everything = silence([{ name: 'alertname', value: '.+', isRegex: true }])
    const refused = await post(everything)
    expect(refused.statusCode).toBe(409)
    expect(refused.json().message).toMatch(/matches every firing alert .* confirm=true/)
    expect((await am.silences()).length).toBe(before)
    const confirmed = await post(everything, '?confirm=true')
    expect(confirmed.statusCode).toBe(201)
    await t.app.inject({ method: 'DELETE', url: `/logs/api/silences/${confirmed.json().id}`, headers: admin })
  })
})

describe.skipIf(!(await have('postgres')))('silences when Alertmanager is missing, down or failing', () => {
  let db: TestDatabase
  beforeAll(async () => { db = await createTestDatabase() })
  afterAll(async () => { await db.drop() })
  const body = { matchers: [{ name: 'alertname', value: 'X', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + hour).toISOString(), comment: 'c' }

  it('without ALERTMANAGER_URL: the list and the muting state say silences need it; writes are a 503 that says so', async () => {
    const t = await buildTestApp({ DATABASE_URL: db.url }, ALERTS_ONLY)
    try {
      const list = (await t.app.inject({ method: 'GET', url: '/logs/api/silences', headers: auth() })).json()
      expect(list).toMatchObject({ available: false, message: expect.stringMatching(/ALERTMANAGER_URL/), silences: [] })
      expect((await t.app.inject({ method: 'GET', url: '/logs/api/alerts/muting', headers: auth() })).json()).toMatchObject({ available: false, muted: {} })
      expect((await t.app.inject({ method: 'GET', url: '/logs/api/health', headers: auth() })).json().dependencies.alertmanager).toMatchObject({ status: 'disabled' })
      const r = await t.app.inject({ method: 'POST', url: '/logs/api/silences', headers: auth(ADMIN_TOKEN), payload: body })
      expect(r.statusCode).toBe(503)
      expect(r.json().message).toMatch(/set ALERTMANAGER_URL/)
    } finally { await t.close() }
  })

  it('Alertmanager down: 503 naming it, the audit records the failure, the list says why', async () => {
    const { freePort } = await import('./private-services.js')
    const t = await buildTestApp({ DATABASE_URL: db.url, ALERTMANAGER_URL: `http://127.0.0.1:${await freePort()}`, ALERTMANAGER_TIMEOUT_MS: '500' }, ALERTS_ONLY)
    try {
      const r = await t.app.inject({ method: 'POST', url: '/logs/api/silences', headers: auth(ADMIN_TOKEN), payload: body })
      expect(r.statusCode).toBe(503)
      expect(r.json().message).toMatch(/Alertmanager is unreachable \(ECONNREFUSED\)/)
      const rows = (await t.deps.pg.store.query("SELECT result FROM tovwatch_admin_audit WHERE action = 'silence-create' ORDER BY id DESC LIMIT 1")).rows
      expect(rows[0].result.error).toMatch(/unreachable/)
      expect((await t.app.inject({ method: 'GET', url: '/logs/api/silences', headers: auth() })).json().message).toMatch(/unreachable/)
      await waitFor(async () => (await t.app.inject({ method: 'GET', url: '/logs/api/health', headers: auth() })).json().dependencies.alertmanager.status === 'down', 10_000, 'health to say Alertmanager is down')
      expect((await t.app.inject({ method: 'GET', url: '/logs/api/alerts/muting', headers: auth() })).json().error).toMatch(/unreachable.*as of never/)
      expect(await t.app.inject({ method: 'GET', url: '/metrics' }).then((m) => m.body)).toMatch(/tovwatch_external_call_duration_seconds_count\{target="alertmanager",outcome="unreachable"\} [1-9]/)
    } finally { await t.close() }
  })

  it.each([
    [400, 'bad matchers', 400, /Alertmanager refused it \(400\): .*bad matchers/],
    [500, 'storage broken', 502, /Alertmanager failed \(500\)/],
  ])('Alertmanager answering %i: TovWatch answers %s clearly and does not retry the POST', async (status, text, expected, message) => {
    const http = await import('node:http')
    let posts = 0
    const double = http.createServer((req, res) => { if (req.method === 'POST') posts++; res.writeHead(status, { 'content-type': 'text/plain' }); res.end(text) })
    await new Promise<void>((resolve) => double.listen(0, '127.0.0.1', resolve))
    const t = await buildTestApp({ DATABASE_URL: db.url, ALERTMANAGER_URL: `http://127.0.0.1:${(double.address() as AddressInfo).port}` }, ALERTS_ONLY)
    try {
      const r = await t.app.inject({ method: 'POST', url: '/logs/api/silences', headers: auth(ADMIN_TOKEN), payload: body })
      expect(r.statusCode).toBe(expected)
      expect(r.json().message).toMatch(message)
      expect(posts).toBe(1)
    } finally {
      await t.close()
      double.closeAllConnections()
      await new Promise((resolve) => double.close(resolve))
    }
  })
})
