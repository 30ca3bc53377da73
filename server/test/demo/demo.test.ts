import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'

const ROOT = path.resolve(import.meta.dirname, '../../..')
let child: ChildProcess | undefined
let dataDir: string | undefined
afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM')
    await new Promise((resolve) => child?.once('exit', resolve))
  }
  if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true })
})

const freePort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
})

async function until<T> (what: string, deadline: number, fn: () => Promise<T | undefined>): Promise<T> {
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) { last = err }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`${what}: not seen within 90 s of the start${last instanceof Error ? ` (last error: ${last.message})` : ''}`)
}

describe('npm run demo', () => {
  it('shows every view working within 90 s: errors of every severity, a firing alert on the stream, a tripped guard', async () => {
    const started = Date.now()
    const deadline = started + 90_000
    const port = await freePort()
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tovwatch-demo-'))
    const token = 'demo-test-admin-token-0123456789'
    child = spawn(process.execPath, ['--import', 'tsx', 'server/src/demo/main.ts'], {
      cwd: ROOT,
      // DATABASE_URL is given to prove the demo ignores it and stays on its embedded defaults.
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, TOVWATCH_TOKENS: `tester:admin:${token}`, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/never' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout?.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr?.on('data', (b: Buffer) => { out += b.toString() })
    const base = `http://127.0.0.1:${port}/logs`
    await until('the printed URL and token', deadline, async () => out.includes(`${base}/`) && out.includes(`admin token: ${token}`) ? true : undefined)
    expect(out).toMatch(/ignoring DATABASE_URL/)
    const headers = { authorization: `Bearer ${token}` }
    const get = async (url: string): Promise<any> => { const r = await fetch(base + url, { headers, signal: AbortSignal.timeout(15_000) }); return r.ok ? await r.json() : undefined }

    // The stream from the start, so a firing alert is seen whether it comes in the snapshot or as an event.
    const firing = new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/logs/api/alerts/stream`, { headers })
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString())
        const alerts = m.type === 'snapshot' ? m.alerts : m.type === 'event' ? [m.alert] : []
        const f = alerts.find((a: { status: string }) => a.status === 'firing')
        if (f !== undefined) { ws.close(); resolve(f.labels.alertname) }
      })
      ws.on('error', () => {})
    })
    const alertname = await Promise.race([firing, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), deadline - Date.now()))])
    expect(alertname, 'a firing alert on the stream within 90 s').toBeTypeOf('string')

    const severities = await until('error groups of every severity', deadline, async () => {
      const e = await get('/api/errors?range=1h&minSeverity=low')
      const seen = new Set((e?.groups ?? []).map((g: { severity: string }) => g.severity))
      return ['critical', 'high', 'medium', 'low'].every((s) => seen.has(s)) ? [...seen] : undefined
    })
    expect(severities.sort()).toEqual(['critical', 'high', 'low', 'medium'])

    const guard = await until('a tripped guard in the Database view', deadline, async () => {
      const d = await get('/api/database')
      return d?.guards.find((g: { status: string }) => g.status !== 'ok')
    })
    expect(guard).toMatchObject({ table: 'User' })
    expect(Date.now() - started).toBeLessThan(90_000)

    // Everything it wrote is in its own DATA_DIR.
    expect(fs.readdirSync(dataDir).sort()).toEqual(expect.arrayContaining(['backups', 'logs', 'pglite']))
    expect(fs.readFileSync(path.join(dataDir, 'logs', 'tovplay-api.log'), 'utf8')).toMatch(/Traceback/)
  }, 120_000)
})
