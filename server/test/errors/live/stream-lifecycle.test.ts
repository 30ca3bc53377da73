import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, buildTestApp, VIEWER_TOKEN, type TestApp } from '../../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { injectStream, type StreamClient } from '../../alerts/ws-client.js'
import { store } from './fixtures.js'

type Frame = { type: string, id?: string, muted?: { groups: number, events: number, shown: boolean }, groups?: Array<{ fingerprint: string, template: string, lifecycle?: { new: boolean, muted: unknown } }> }

// The whole app: the errors plugin hands the lifecycle's read path to the live plugin; the store is the real PostgreSQL.
describe('the live error feed on the alert stream follows mutes made through the API', () => {
  let db: TestDatabase
  let loki: LokiDouble
  let t: TestApp
  let c: StreamClient | undefined
  beforeAll(async () => {
    db = await createTestDatabase('tw_live_lc_app')
    loki = await startLokiDouble({ lingerMs: 0 })
    t = await buildTestApp({ TOVWATCH_DATABASE_URL: db.url, LOKI_URL: loki.url, ERRORS_LIVE_INTERVAL_MS: '300', ERROR_NEW_GROUP_CHECK_S: '0' }, { parts: { database: false, scheduling: false, web: false } })
  })
  afterAll(async () => {
    c?.close()
    await t?.close()
    await loki?.close()
    await db?.drop()
  })

  it('leaves the muted group out of the tail, counted in muted, and badges the others', async () => {
    const lines = store(loki)
    lines.add([[Date.now() - 60_000, 0, 'level=error chat socket reset by peer order=1']])
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=1h&minSeverity=high', headers: auth() })
    expect(res.statusCode).toBe(200)
    const chat = (res.json().groups as Array<{ fingerprint: string, template: string }>).find((g) => g.template.includes('chat socket'))
    expect(chat).toBeDefined()
    const muted = await t.app.inject({ method: 'POST', url: `/logs/api/errors/groups/${chat?.fingerprint}/mute`, headers: auth(), payload: { duration: '1h' } })
    expect(muted.statusCode).toBe(200)

    c = await injectStream(t.app, '/logs/api/alerts/stream', { authorization: `Bearer ${VIEWER_TOKEN}` })
    await c.until((m) => m[0]?.type === 'snapshot')
    const since = new Date(Date.now() - 1000).toISOString()
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'page', since, minSeverity: 'high' }))
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'all', since, minSeverity: 'high', muted: 'include' }))
    c.ws.send(JSON.stringify({ type: 'errors.subscribe', id: 'bad', since, muted: 'yes' }))
    lines.add([[Date.now(), 0, 'level=error chat socket reset by peer order=2'], [Date.now(), 0, 'level=error lobby websocket upgrade failed order=3']])
    const last = (id: string) => (c?.messages as unknown as Frame[]).filter((f) => f.type === 'errors.live' && f.id === id && (f.groups?.length ?? 0) > 0).at(-1)
    await c.until(() => last('page') !== undefined && last('all') !== undefined, 5000)
    const page = last('page') as Frame
    expect(page.groups?.map((g) => g.template).join()).not.toContain('chat socket')
    expect(page.groups?.find((g) => g.template.includes('lobby'))?.lifecycle).toMatchObject({ new: true, muted: null })
    expect(page.muted).toEqual({ groups: 1, events: 1, shown: false })
    const all = last('all') as Frame
    expect(all.groups?.find((g) => g.fingerprint === chat?.fingerprint)?.lifecycle?.muted).toMatchObject({ by: 'viewer' })
    expect((c.messages as unknown as Frame[]).find((f) => f.id === 'bad')).toMatchObject({ type: 'errors.live.refused', reason: 'input', field: 'muted' })
  })
})
