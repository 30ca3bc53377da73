import pg from 'pg'
import { buildTestApp, type TestApp } from '../../helpers/app.js'
import type { WatchSnapshot } from '../../../src/database/snapshot.js'

/** The app with only the database part. Tests trigger probes themselves (probeNow); the timer is set long unless a test asks for PROBE_INTERVAL_S. */
export async function buildWatchApp (env: Record<string, string | undefined>): Promise<TestApp> {
  return await buildTestApp({ PROBE_INTERVAL_S: '3600', ...env }, { parts: { errors: false, alerts: false, scheduling: false, web: false } })
}

export async function probe (t: TestApp): Promise<WatchSnapshot> {
  return await t.app.databaseWatch.probeNow()
}

export function alertNames (t: TestApp): string[] {
  return t.app.alertSink.active().map((a) => a.alertname).sort()
}

export async function sql (url: string, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await c.query(text, values)
  } finally {
    await c.end()
  }
}

export const CORE_SCHEMA = `
CREATE TABLE players (id serial PRIMARY KEY, name text);
CREATE TABLE games (id serial PRIMARY KEY, title text);
CREATE TABLE sessions (id serial PRIMARY KEY, note text);
CREATE TABLE "User" (id serial PRIMARY KEY, email text);
`

export async function until<T> (fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
}
