import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import Fastify from 'fastify'
import { loggerOptions, redactQuery, redactText } from '../../src/infra/logger.js'

describe('redaction', () => {
  it('removes secrets from free text', () => {
    const cases: Array<[string, string]> = [
      ['connect postgresql://app:s3cretpw@db:5432/TovPlay failed', 's3cretpw'],
      ['POST https://discord.com/api/webhooks/123456/abcDEF_token-xyz', 'abcDEF_token-xyz'],
      ['Authorization: Bearer tw_abcdefghijklmnop', 'tw_abcdefghijklmnop'],
      ['password=hunter2 user=x', 'hunter2'],
      ['{"token": "abc123456789"}', 'abc123456789'],
      ['key AKIAABCDEFGHIJKLMNOP used', 'AKIAABCDEFGHIJKLMNOP'],
    ]
    for (const [text, secret] of cases) {
      const out = redactText(text)
      expect(out, text).not.toContain(secret)
      expect(out).toContain('***')
    }
    expect(redactText('GET /logs/api/health 200')).toBe('GET /logs/api/health 200')
  })

  it('redacts authorization headers and secret fields in structured logs', () => {
    const lines: string[] = []
    const sink = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
    const log = pino(loggerOptions('info'), sink)
    log.info({ req: { headers: { authorization: 'Bearer abcdefghijkl', cookie: 'tw_session=xyz' } }, password: 'pw1234567', nested: { token: 'tok98765' } }, 'hello')
    const out = lines.join('')
    expect(out).toContain('hello')
    for (const s of ['abcdefghijkl', 'tw_session=xyz', 'pw1234567', 'tok98765']) expect(out).not.toContain(s)
  })
})

describe('request logs', () => {
  it('mask credentials in query strings', async () => {
    expect(redactQuery('/logs/embed/tables?embed_token=abc.def&x=1')).toBe('/logs/embed/tables?embed_token=***&x=1')
    const lines: string[] = []
    const sink = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
    const app = Fastify({ loggerInstance: pino(loggerOptions('info'), sink) })
    app.get('/x', async () => 'ok')
    await app.inject({ url: '/x?embed_token=supersecretvalue&access_token=another1' })
    await app.close()
    const out = lines.join('')
    expect(out).toContain('/x?embed_token=***')
    expect(out).not.toContain('supersecretvalue')
    expect(out).not.toContain('another1')
  })
})

describe('redaction by decoded parameter name and URL credentials anywhere (issue #11)', () => {
  it('masks every credential-bearing parameter, however spelled', () => {
    const cases: Array<[string, string]> = [
      ['/logs/api/errors?range=1h&embed_token=Sa1', '/logs/api/errors?range=1h&embed_token=***'],
      ['/x?api_key=Sb2&x=1', '/x?api_key=***&x=1'],
      ['/x?apikey=Sc3', '/x?apikey=***'],
      ['/x?passwd=Sd4', '/x?passwd=***'],
      ['/x?auth=Se5', '/x?auth=***'],
      ['/x?embed%5Ftoken=Sf6', '/x?embed%5Ftoken=***'],
      ['/x?API%2DKEY=Sg7', '/x?API%2DKEY=***'],
      ['/logs/x/postgres://user:Sh8@host/db', '/logs/x/postgres://user:***@host/db'],
      ['/logs/x/redis://:Si9@cache:6379', '/logs/x/redis://:***@cache:6379'],
    ]
    for (const [url, want] of cases) expect(redactQuery(url)).toBe(want)
    expect(redactQuery('/logs/x/postgres%3A%2F%2Fuser%3ASj10%40host/db')).not.toContain('Sj10')
    expect(redactText('Unknown panel "postgres://u:Sk11@h" and Unexpected token p, "password=Sl12" is not valid JSON')).not.toMatch(/Sk11|Sl12/)
    // Nothing else changes.
    expect(redactQuery('/logs/api/errors?range=1h&q=timeout&minSeverity=high')).toBe('/logs/api/errors?range=1h&q=timeout&minSeverity=high')
    expect(redactText('https://prometheus:9090/graph?g0.expr=up')).toBe('https://prometheus:9090/graph?g0.expr=up')
  })
})
