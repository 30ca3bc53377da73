import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { findPgBin } from '../database/helpers/pgbin.js'

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

async function waitPort (port: number, up: boolean, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port })
      s.once('connect', () => { s.destroy(); resolve(true) })
      s.once('error', () => resolve(false))
    })
    if (open === up) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`port ${port} did not become ${up ? 'open' : 'closed'}`)
}

/** A private redis-server the test may kill and restart (the shared one is never touched). */
export async function startPrivateRedis () {
  const port = await freePort()
  let proc: ChildProcess | undefined
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await waitPort(port, true)
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill () {
      proc?.kill('SIGKILL')
      await waitPort(port, false)
    },
    start,
    async stop () { proc?.kill('SIGKILL') },
  }
}

// The installed server's binaries, whatever its version (a missing initdb fails the test that needs it).
const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(findPgBin() ?? '/usr/lib/postgresql/15/bin', cmd), ...args], { stdio: 'pipe' })

/** A private PostgreSQL cluster (initdb into a temp dir, as user postgres) that the test may stop and start. */
export async function startPrivatePostgres () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-alerts-pg-'))
  execFileSync('chown', ['postgres', dir])
  const data = path.join(dir, 'data')
  const port = await freePort()
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'])
  const start = async () => {
    asPostgres('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=30 -c fsync=off`, 'start'])
    await waitPort(port, true)
  }
  await start()
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start,
    async stop () {
      asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      await waitPort(port, false)
    },
    async destroy () {
      try { asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']) } catch {}
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
