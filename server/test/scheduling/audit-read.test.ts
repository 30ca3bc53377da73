import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { adminHeaders } from './helpers.js'

// A request id in a log line leads to the audit rows that request wrote.
describe.skipIf(!(await have('postgres')))('reading the audit trail by request id (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let requestId: string
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_audit_read')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    const res = await t.app.inject({ method: 'POST', url: '/api/games', headers: adminHeaders(), payload: { name: 'Audit by request' } })
    expect(res.statusCode).toBe(201)
    requestId = res.headers['x-request-id'] as string
    await t.app.inject({ method: 'POST', url: '/api/games', headers: adminHeaders(), payload: { name: 'Another request' } })
  }, 120_000)
  afterAll(async () => {
    await t?.close()
    await db?.drop()
  })

  it('filters by request id, for a dashboard admin and on the scheduling API', async () => {
    for (const url of [`/logs/api/scheduling/audit?requestId=${requestId}`, `/api/audit?requestId=${requestId}`]) {
      const res = await t.app.inject({ method: 'GET', url, headers: auth(ADMIN_TOKEN) })
      expect(res.statusCode, url).toBe(200)
      const body = res.json()
      expect(body.items).toHaveLength(1)
      expect(body.items[0]).toMatchObject({ action: 'game.create', entity: 'games', requestId, actor: 'admin:admin', after: { name: 'Audit by request' } })
      expect(body.page).toEqual({ limit: 50, offset: 0, nextOffset: null })
    }
    const all = (await t.app.inject({ method: 'GET', url: '/logs/api/scheduling/audit?entity=games&limit=1', headers: auth(ADMIN_TOKEN) })).json()
    expect(all.items).toHaveLength(1)
    expect(all.items[0].after.name).toBe('Another request')
    expect(all.page.nextOffset).toBe(1)
    const none = (await t.app.inject({ method: 'GET', url: '/logs/api/scheduling/audit?requestId=no-such-request', headers: auth(ADMIN_TOKEN) })).json()
    expect(none.items).toEqual([])
  })

  it('refuses bad input with a 400 naming the field, and viewers with a 403', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/logs/api/scheduling/audit?requestId=a%20b', headers: auth(ADMIN_TOKEN) })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/requestId/)
    const limit = await t.app.inject({ method: 'GET', url: '/api/audit?limit=5000', headers: auth(ADMIN_TOKEN) })
    expect(limit.statusCode).toBe(400)
    expect(limit.json().message).toMatch(/limit/)
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/scheduling/audit', headers: auth() })).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: '/api/audit', headers: auth() })).statusCode).toBe(403)
  })
})
