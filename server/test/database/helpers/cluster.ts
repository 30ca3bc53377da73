import { execFile } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { pgBin } from './pgbin.js'

const run = promisify(execFile)

/** A role that must log in with a password on private clusters (for "authentication failed"). */
export const PASSWORD_ROLE = 'tw_pw'
export const PASSWORD = 'right-password-123'

export interface PrivateCluster {
  port: number
  dir: string
  /** A URL for `database` as the superuser (trust). */
  url: (database?: string, user?: string, password?: string) => string
  start: () => Promise<void>
  stop: () => Promise<void>
  destroy: () => Promise<void>
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0))
    })
  })
}

/** Runs a command as the postgres user when we are root (initdb and pg_ctl refuse root). */
async function asPostgres (cmd: string, args: string[]): Promise<void> {
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { timeout: 60_000 })
  else await run(cmd, args, { timeout: 60_000 })
}

/**
 * A throwaway PostgreSQL cluster for tests that stop the server or exhaust its
 * connections; the shared one must never be touched that way.
 */
export async function startPrivateCluster (opts: { maxConnections?: number, superuserReserved?: number } = {}): Promise<PrivateCluster> {
  const BIN = pgBin()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pgcluster-'))
  if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir])
  const data = path.join(dir, 'data')
  await asPostgres(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'])
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), [
    'local all all trust',
    `host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256`,
    'host all all 127.0.0.1/32 trust',
    '',
  ].join('\n'))
  const port = await freePort()
  const options = [
    `-p ${port}`, `-k ${dir}`, "-c listen_addresses='127.0.0.1'",
    `-c max_connections=${opts.maxConnections ?? 20}`, `-c superuser_reserved_connections=${opts.superuserReserved ?? 3}`,
    '-c fsync=off', '-c shared_buffers=16MB', '-c autovacuum=off',
  ].join(' ')
  const start = () => asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start'])
  const stop = () => asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'])
  await start()
  const url = (database = 'postgres', user = 'postgres', password?: string) =>
    `postgresql://${encodeURIComponent(user)}${password !== undefined ? ':' + encodeURIComponent(password) : ''}@127.0.0.1:${port}/${encodeURIComponent(database)}`
  return {
    port,
    dir,
    url,
    start,
    stop,
    async destroy () {
      await asPostgres(path.join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
