import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyEmbedToken } from '../../src/auth/embed.js'
import { embedUrl, parseArgs, parseTtl } from '../../src/auth/cli/embed-url.js'
import { loadOrCreateSecret } from '../../src/auth/tokens.js'

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

  it('refuses unknown panels and bad durations with a usage message', () => {
    expect(() => parseArgs([])).toThrow(/usage: npm run embed-url -- <panel>/)
    expect(() => parseArgs(['users'])).toThrow(/panels: error-rate, error-groups, connections, tables, alerts/)
    expect(() => parseArgs(['tables', '--ttl', 'forever'])).toThrow(/--ttl: expected a duration/)
    expect(() => parseArgs(['tables', '--bogus'])).toThrow(/unknown option --bogus/)
    expect(() => parseTtl('0d')).toThrow(/between/)
    expect(() => parseTtl('400d')).toThrow(/between/)
    expect(parseArgs(['alerts', '--ttl=90m'])).toEqual({ panel: 'alerts', ttlSeconds: 5400 })
    expect(parseTtl('30d')).toBe(2_592_000)
  })
})
