import net from 'node:net'
import { execFileSync } from 'node:child_process'

/**
 * Integration tests use the real components. On a laptop that lacks one, the test
 * is skipped with a message naming it; under CI=true a missing component fails.
 */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

function portOpen (host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function binaryExists (name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const probes = {
  postgres: () => { const u = new URL(PG_ADMIN_URL); return portOpen(u.hostname, Number(u.port || 5432)) },
  redis: () => { const u = new URL(REDIS_URL); return portOpen(u.hostname, Number(u.port || 6379)) },
  pgbouncer: async () => binaryExists('pgbouncer'),
  prometheus: async () => binaryExists('prometheus') && binaryExists('promtool'),
  alertmanager: async () => binaryExists('prometheus-alertmanager') || binaryExists('alertmanager'),
  chromium: async () => binaryExists('chromium'),
  pg_dump: async () => binaryExists('pg_dump') && binaryExists('pg_restore'),
} as const

export type Service = keyof typeof probes

/**
 * Resolves to true when every named component is there. Use with
 * `describe.skipIf(!(await have('postgres')))`. Under CI=true it throws instead of
 * returning false, so a missing component fails the run rather than hiding tests.
 */
export async function have (...names: Service[]): Promise<boolean> {
  const missing: Service[] = []
  for (const n of names) if (!(await probes[n]())) missing.push(n)
  if (missing.length === 0) return true
  const msg = `missing component(s): ${missing.join(', ')}`
  if (process.env.CI === 'true') throw new Error(`${msg} — CI=true requires them (see .ci/run)`)
  console.warn(`skipping: ${msg}`)
  return false
}
