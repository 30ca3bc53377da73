import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, auth, buildTestApp, type TestApp } from './helpers/app.js'
import { createTestDatabase, type TestDatabase } from './helpers/db.js'
import { have, REDIS_URL } from './helpers/services.js'

let t: TestApp | undefined
afterEach(async () => { await t?.close(); t = undefined })

describe('app on embedded defaults', () => {
  it('serves health without a token and names each dependency', async () => {
    t = await buildTestApp()
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/health' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.dependencies.database).toMatchObject({ status: 'up', kind: 'embedded' })
    expect(body.dependencies.redis).toMatchObject({ status: 'up', kind: 'in-process' })
    expect(Object.keys(body.dependencies)).toContain('logs')
  })

  it('serves /metrics without a token, with the HTTP histogram by route', async () => {
    t = await buildTestApp()
    await t.app.inject({ method: 'GET', url: '/logs/api/health' })
    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toMatch(/tovwatch_http_request_duration_seconds_bucket\{.*route="\/logs\/api\/health".*status_code="200"/)
    expect(res.body).toContain('tovwatch_process_cpu_seconds_total')
  })

  it('answers 404 with a JSON message for an unknown route', async () => {
    t = await buildTestApp()
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/nope', headers: auth() })
    expect(res.statusCode).toBe(404)
    expect(res.json().message).toContain('/logs/api/nope')
  })
})

describe.skipIf(!(await have('postgres', 'redis')))('app on real PostgreSQL and Redis', () => {
  let db: TestDatabase
  beforeAll(async () => { db = await createTestDatabase() })
  afterAll(async () => { await db.drop() })

  it('reports postgres and redis as up', async () => {
    t = await buildTestApp({ DATABASE_URL: db.url, REDIS_URL })
    // Redis connects in the background; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/health', headers: auth(ADMIN_TOKEN) })
    const body = res.json()
    expect(body.dependencies.database).toMatchObject({ status: 'up', kind: 'postgres' })
    expect(body.dependencies.redis).toMatchObject({ status: 'up', kind: 'redis' })
  })

  it('falls back to in-process when Redis is unreachable at start, and says so', async () => {
    t = await buildTestApp({ DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:1' })
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/health' })
    expect(res.json().dependencies.redis).toMatchObject({ status: 'degraded', kind: 'in-process' })
  })
})
