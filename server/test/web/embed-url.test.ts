import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EMBED_PANELS, verifyEmbedToken } from '../../src/auth/embed.js'
import { embedToken, embedUrl, formatOutput, parseArgs, parseTtl } from '../../src/auth/cli/embed-url.js'
import { loadOrCreateSecret } from '../../src/auth/tokens.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { ensureUiBuilt } from './ui-build.js'

describe('npm run embed-url', () => {
  it('prints a URL the server accepts, signed with the secret it loads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-embed-'))
    try {
      const url = new URL(embedUrl({ DATA_DIR: dir, PUBLIC_URL: 'https://watch.example.com/', BASE_PATH: '/logs' }, ['tables', '--ttl', '2h']))
      expect(url.origin + url.pathname).toBe('https://watch.example.com/logs/embed/tables')
      const token = url.searchParams.get('embed_token') as string
      const secret = loadOrCreateSecret(dir, 'embed.secret', undefined)
      expect(verifyEmbedToken(token, secret, 'tables')).toBe(true)
      expect(verifyEmbedToken(token, 'wrong-secret-000000000000000000000', 'tables')).toBe(false)
      const exp = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).exp
      expect(exp - Date.now() / 1000).toBeGreaterThan(7100)
      expect(exp - Date.now() / 1000).toBeLessThanOrEqual(7200)
      const withEnv = new URL(embedUrl({ DATA_DIR: dir, EMBED_SECRET: 'env-secret-0123456789abcdef0123456789' }, ['alerts']))
      expect(verifyEmbedToken(withEnv.searchParams.get('embed_token') as string, 'env-secret-0123456789abcdef0123456789', 'alerts')).toBe(true)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('mints one token for every panel with "all", and prints it with each panel\'s URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-embed-'))
    try {
      const r = embedToken({ DATA_DIR: dir, PUBLIC_URL: 'https://watch.example.com', BASE_PATH: '/logs' }, ['all', '--ttl', '7d'])
      const secret = loadOrCreateSecret(dir, 'embed.secret', undefined)
      for (const p of EMBED_PANELS) {
        expect(verifyEmbedToken(r.token, secret, p)).toBe(true)
        const u = new URL(r.urls[p] as string)
        expect(u.pathname).toBe(`/logs/embed/${p}`)
        expect(u.searchParams.get('embed_token')).toBe(r.token)
      }
      expect(Date.parse(r.expiresAt) - Date.now()).toBeGreaterThan(7 * 86_400_000 - 5000)
      const out = formatOutput(r)
      expect(out).toContain(`embed_token ${r.token}\n`)
      for (const p of EMBED_PANELS) expect(out).toMatch(new RegExp(`^${p} +https://watch\\.example\\.com/logs/embed/${p}\\?embed_token=`, 'm'))
      // A single panel still prints its URL alone (scripts read it as one line).
      const one = embedToken({ DATA_DIR: dir }, ['tables'])
      expect(formatOutput(one).trim().split('\n')).toEqual([one.urls.tables])
      expect(verifyEmbedToken(one.token, secret, 'alerts')).toBe(false)
      expect(() => embedUrl({ DATA_DIR: dir }, ['all'])).toThrow(/one panel/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses unknown panels and bad durations with a usage message', () => {
    expect(() => parseArgs([])).toThrow(/usage: npm run embed-url -- <panel\|all>/)
    expect(() => parseArgs(['users'])).toThrow(/panels: error-rate, error-groups, connections, tables, alerts, or all/)
    expect(() => parseArgs(['tables', 'alerts'])).toThrow(/one panel \(or all\) at a time/)
    expect(() => parseArgs(['tables', '--ttl', 'forever'])).toThrow(/--ttl: expected a duration/)
    expect(() => parseArgs(['tables', '--bogus'])).toThrow(/unknown option --bogus/)
    expect(() => parseTtl('0d')).toThrow(/between/)
    expect(() => parseTtl('400d')).toThrow(/between/)
    expect(parseArgs(['alerts', '--ttl=90m'])).toEqual({ panel: 'alerts', ttlSeconds: 5400 })
    expect(parseArgs(['all'])).toEqual({ panel: 'all', ttlSeconds: 2_592_000 })
    expect(parseTtl('30d')).toBe(2_592_000)
  })
})

// The dashboards (tovwatch-overview, postgresql) put one embed_token variable in all five iframes.
describe('embed tokens from the CLI against the running server', () => {
  let t: TestApp
  beforeAll(async () => {
    ensureUiBuilt()
    t = await buildTestApp({}, { parts: { errors: false, database: false, alerts: false, scheduling: false } })
  }, 120_000)
  afterAll(async () => { await t?.close() })

  const open = (panel: string, token: string) => t.app.inject({ method: 'GET', url: `/logs/embed/${panel}?embed_token=${encodeURIComponent(token)}` })

  it('an all-panels token opens every panel; a per-panel token opens its panel only', async () => {
    // Signed by the CLI with the secret the server created in its DATA_DIR, as in production.
    const all = embedToken({ DATA_DIR: t.config.dataDir }, ['all'])
    for (const p of ['error-rate', 'connections', 'tables']) {
      const res = await open(p, all.token)
      expect(res.statusCode, p).toBe(200)
      expect(res.body).toContain('<tw-embed>')
    }
    const tables = embedToken({ DATA_DIR: t.config.dataDir }, ['tables'])
    expect((await open('tables', tables.token)).statusCode).toBe(200)
    const refused = await open('error-groups', tables.token)
    expect(refused.statusCode).toBe(403)
    expect(refused.body).not.toContain('<tw-embed>')
  })
})
