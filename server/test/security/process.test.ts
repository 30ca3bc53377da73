import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { looseModes } from '../../src/infra/data-dir.js'
import { ADMIN_TOKEN } from '../helpers/app.js'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const TOKENS = `admin:admin:${ADMIN_TOKEN}`

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)) })
  })
}

/** TovWatch as `npm start` runs it, under umask 022 (the usual default), on embedded PGlite. */
function startTovWatch (env: Record<string, string>): { child: ChildProcess, out: () => string, err: () => string, exited: Promise<number | null> } {
  let out = ''
  let err = ''
  const child = spawn('sh', ['-c', `umask 022; exec "${process.execPath}" --import tsx server/src/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr!.on('data', (c: Buffer) => { err += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, out: () => out, err: () => err, exited }
}

function get (port: number, rawPath: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      let b = ''
      res.on('data', (c: Buffer) => { b += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }))
    })
    req.once('error', reject)
    req.end(body)
  })
}

describe('DATA_DIR is private (issue #11 §4)', () => {
  it('refuses to start when DATA_DIR is writable by others, naming the path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-sec-open-'))
    fs.chmodSync(dir, 0o777)
    try {
      const p = startTovWatch({ DATA_DIR: dir, TOVWATCH_TOKENS: TOKENS, PORT: String(await freePort()) })
      expect(await p.exited).toBe(78)
      expect(p.err()).toContain(`DATA_DIR ${dir} is writable by other users`)
      expect(p.err()).toContain(`chmod 700 ${dir}`)
      expect(p.err()).not.toMatch(/\n\s+at /)
      expect(fs.readdirSync(dir)).toEqual([]) // nothing written into it
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

// One real start serves both checks: file modes (PGlite's included) and what reaches the logs.
describe('a running TovWatch: private files, and no secret in its logs (issue #11 §4, §5)', () => {
  let dir: string
  let port: number
  let p: ReturnType<typeof startTovWatch>
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-sec-run-'))
    fs.chmodSync(dir, 0o755)
    // Left by an older version under umask 022: readable by everyone.
    fs.mkdirSync(path.join(dir, 'old'), { mode: 0o755 })
    fs.writeFileSync(path.join(dir, 'old', 'notes.txt'), 'x', { mode: 0o644 })
    fs.chmodSync(path.join(dir, 'old', 'notes.txt'), 0o644)
    port = await freePort()
    p = startTovWatch({ DATA_DIR: dir, TOVWATCH_TOKENS: TOKENS, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ALERT_WEBHOOK_TOKEN: 'webhook-token-0123456789abcdef' })
    const deadline = Date.now() + 170_000
    while (!p.out().includes('TovWatch is at') && Date.now() < deadline && p.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 200))
    if (!p.out().includes('TovWatch is at')) throw new Error(`TovWatch did not start:\n${p.err().slice(-2000)}\n${p.out().slice(-2000)}`)
  }, 180_000)
  afterAll(async () => {
    if (p?.child.exitCode === null) { p.child.kill('SIGTERM'); await p.exited }
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  it('DATA_DIR is 0700 and everything in it 0600/0700 after the start, PGlite\'s files and the log file included', () => {
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700')
    const files = fs.readdirSync(path.join(dir, 'pglite'), { recursive: true })
    expect(files.length).toBeGreaterThan(100)
    expect((fs.statSync(path.join(dir, 'logs', 'tovwatch.log')).mode & 0o777).toString(8)).toBe('600')
    expect((fs.statSync(path.join(dir, 'old', 'notes.txt')).mode & 0o777).toString(8)).toBe('600')
    expect(looseModes(dir)).toEqual({})
  })

  it('redacts credentials from query parameters, URL paths and 4xx messages, in stdout and in the log file', async () => {
    const secrets = {
      embed: 'SecretEmbedA1',
      apiKey: 'SecretApiKeyB2',
      apikey: 'SecretApikeyC3',
      passwd: 'SecretPasswdD4',
      auth: 'SecretAuthE5',
      encoded: 'SecretEncodedF6',
      path: 'SecretPathG7',
      panel: 'SecretPanelH8',
      json: 'SecretJsonI9',
      bearer: 'SecretBearerJ10',
      encodedPath: 'SecretEncPathK11',
      login: 'SecretLoginL12',
    }
    const sent = [
      await get(port, `/logs/api/errors?range=1h&embed_token=${secrets.embed}`),
      await get(port, `/logs/api/me?api_key=${secrets.apiKey}`),
      await get(port, `/logs/api/me?apikey=${secrets.apikey}`),
      await get(port, `/logs/api/me?passwd=${secrets.passwd}`),
      await get(port, `/logs/api/me?auth=${secrets.auth}`),
      await get(port, `/logs/api/me?embed%5Ftoken=${secrets.encoded}`),
      await get(port, `/logs/x/postgres://user:${secrets.path}@host/db`),
      await get(port, `/logs/x/postgres%3A%2F%2Fuser%3A${secrets.encodedPath}%40host/db`),
      await get(port, `/logs/embed/redis:%2F%2Fu:${secrets.panel}@cache`, { authorization: `Bearer ${ADMIN_TOKEN}` }),
      await get(port, '/logs/api/login', { 'content-type': 'application/json' }, 'POST', `password=${secrets.json}`),
      await get(port, '/logs/api/me', { authorization: `Bearer ${secrets.bearer}` }),
      await get(port, '/logs/api/login', { 'content-type': 'application/json' }, 'POST', JSON.stringify({ token: secrets.login })),
    ]
    for (const r of sent) {
      expect(r.status).toBeGreaterThanOrEqual(200)
      expect(r.status).toBeLessThan(500)
      expect(r.body).not.toMatch(/\n\s+at /)
    }
    // The file stream is asynchronous: wait until the last request's line is there.
    const file = path.join(dir, 'logs', 'tovwatch.log')
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && (fs.readFileSync(file, 'utf8').match(/"url":"\/logs\/api\/login"/g) ?? []).length < 2) await new Promise((resolve) => setTimeout(resolve, 100))
    const logged = fs.readFileSync(file, 'utf8')
    const stdout = p.out()
    // The requests were logged (with the secrets masked), so the test would see a leak.
    for (const text of [logged, stdout]) {
      expect(text).toContain('embed_token=***')
      expect(text).toContain('postgres://user:***@host/db')
      expect(text).toContain('request refused')
      expect(text).toContain('redis://u:***@cache') // the 404's message echoed the path
      for (const [name, s] of Object.entries(secrets)) expect(text.includes(s), `${name} in ${text === logged ? 'the log file' : 'stdout'}`).toBe(false)
    }
  })
})
