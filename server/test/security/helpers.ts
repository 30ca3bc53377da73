import crypto from 'node:crypto'
import { expect } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js'
import type { BuildOptions } from '../../src/app.js'

/** The parts most attacks need: auth, the alert API and the error feed, on the real PostgreSQL. */
export const API_PARTS: BuildOptions = { parts: { scheduling: false, web: false } }
export const AUTH_ONLY: BuildOptions = { parts: { errors: false, database: false, alerts: false, scheduling: false, web: false } }
export const SESSION_SECRET = 'session-secret-for-security-tests-0123456789'

/** A fresh client address per test: the throttle's counters (in Redis too) never cross tests or worktrees. */
export const clientIp = () => `10.${crypto.randomInt(1, 255)}.${crypto.randomInt(0, 255)}.${crypto.randomInt(1, 255)}`

/** An app on the test database (its own store, so sessions and the deny list are real rows). */
export async function securityApp (dbUrl: string, env: Record<string, string | undefined> = {}, opts: BuildOptions = AUTH_ONLY): Promise<TestApp> {
  return await buildTestApp({ DATABASE_URL: dbUrl, SESSION_SECRET, ...env }, opts)
}

export function cookiesOf (res: LightMyRequestResponse): Record<string, string> {
  const out: Record<string, string> = {}
  for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
    const [pair] = c.split(';')
    const eq = pair!.indexOf('=')
    out[pair!.slice(0, eq)] = pair!.slice(eq + 1)
  }
  return out
}

/** Logs in (from `ip`) and returns the cookie header and the CSRF value. */
export async function login (t: TestApp, token = ADMIN_TOKEN, ip = clientIp()): Promise<{ cookie: string, csrf: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/logs/api/login', payload: { token }, remoteAddress: ip })
  expect(res.statusCode, res.body).toBe(200)
  const c = cookiesOf(res)
  return { cookie: `tw_session=${c.tw_session}; tw_csrf=${c.tw_csrf}`, csrf: c.tw_csrf as string }
}

/** Every refusal: the expected 4xx, a JSON message, and no stack trace or internal detail. */
export function refused (res: LightMyRequestResponse, status: number): { message: string } {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status)
  expect(res.body).not.toMatch(/\n\s+at |node_modules|ERR_[A-Z_]+|\.ts:\d+/)
  const body = res.json() as { message: string, statusCode: number }
  expect(body.statusCode).toBe(status)
  expect(typeof body.message).toBe('string')
  return body
}
