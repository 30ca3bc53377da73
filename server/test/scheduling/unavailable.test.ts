import { afterEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { adminHeaders } from './helpers.js'

let t: TestApp | undefined
afterEach(async () => { await t?.close(); t = undefined })

describe('scheduling core with its database unreachable', () => {
  it('starts anyway, answers 503 with the reason, and health says scheduling is down', async () => {
    t = await buildTestApp({ DATABASE_URL: 'postgresql://tovplay:not-the-password@127.0.0.1:1/tovplay' },
      { parts: { errors: false, database: false, alerts: false, web: false } })
    const res = await t.app.inject({ method: 'POST', url: '/api/players', headers: adminHeaders(), payload: { displayName: 'X', timeZone: 'UTC' } })
    expect(res.statusCode).toBe(503)
    expect(res.json().message).toMatch(/scheduling core is not ready: migrations failed: .*ECONNREFUSED|connect/)
    expect(res.body).not.toContain('not-the-password')
    const health = await t.app.inject({ method: 'GET', url: '/logs/api/health' })
    expect(health.json().dependencies.scheduling).toMatchObject({ status: 'down' })
  })
})
