import { execFile } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './cluster.js'

const run = promisify(execFile)

export const ADMIN_USER = 'twadmin'
export const ADMIN_PASSWORD = 'admin-password-123'
export const APP_USER = 'tovplay'
export const APP_PASSWORD = 'app-password-123'

export interface PgBouncer {
  port: number
  adminUrl: (password?: string) => string
  appUrl: () => string
  start: () => Promise<void>
  stop: () => Promise<void>
  destroy: () => Promise<void>
}

function waitPort (port: number, open: boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect({ host: '127.0.0.1', port })
      const done = (isOpen: boolean) => {
        s.destroy()
        if (isOpen === open) resolve()
        else if (Date.now() > end) reject(new Error(`pgbouncer port ${port} still ${isOpen ? 'open' : 'closed'}`))
        else setTimeout(attempt, 100)
      }
      s.once('connect', () => done(true))
      s.once('error', () => done(false))
    }
    attempt()
  })
}

/**
 * A real Debian pgbouncer on a random port, run as postgres (it refuses root), in
 * front of `database` on the shared PostgreSQL, in transaction mode. pool_size=1 by default,
 * so a second client has to wait while the first holds a transaction.
 */
export async function startPgBouncer (pgPort: number, database: string, poolSize = 1): Promise<PgBouncer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pgbouncer-'))
  const port = await freePort()
  const ini = path.join(dir, 'pgbouncer.ini')
  const pidfile = path.join(dir, 'pgbouncer.pid')
  fs.writeFileSync(path.join(dir, 'userlist.txt'), `"${ADMIN_USER}" "${ADMIN_PASSWORD}"\n"${APP_USER}" "${APP_PASSWORD}"\n`)
  fs.writeFileSync(ini, [
    '[databases]',
    `TovPlay = host=127.0.0.1 port=${pgPort} dbname=${database} user=postgres pool_size=${poolSize}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = md5',
    `auth_file = ${path.join(dir, 'userlist.txt')}`,
    `admin_users = ${ADMIN_USER}`,
    `stats_users = ${ADMIN_USER}`,
    'pool_mode = transaction',
    // As deploy/pgbouncer/pgbouncer.ini: node-postgres sends statement_timeout at startup.
    'ignore_startup_parameters = extra_float_digits,statement_timeout,options',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    `pidfile = ${pidfile}`,
    '',
  ].join('\n'))
  const root = process.getuid?.() === 0
  if (root) await run('chown', ['-R', 'postgres:postgres', dir])
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o600)

  const start = async () => {
    await (root ? run('runuser', ['-u', 'postgres', '--', 'pgbouncer', '-d', ini]) : run('pgbouncer', ['-d', ini]))
    await waitPort(port, true)
  }
  const stop = async () => {
    const pid = Number(fs.readFileSync(pidfile, 'utf8').trim())
    // Only the pgbouncer this helper started, by its pid.
    if (pid > 0) process.kill(pid, 'SIGTERM')
    await waitPort(port, false)
  }
  await start()
  return {
    port,
    adminUrl: (password = ADMIN_PASSWORD) => `postgresql://${ADMIN_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/pgbouncer`,
    appUrl: () => `postgresql://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${port}/TovPlay`,
    start,
    stop,
    async destroy () {
      if (fs.existsSync(pidfile)) await stop().catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
