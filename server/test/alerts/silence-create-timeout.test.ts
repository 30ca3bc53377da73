import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { AlertmanagerError, createAlertmanagerClient, sameSilence, type GettableSilence, type PostableSilence } from '../../src/alerts/silences/client.js'
import { createMetrics } from '../../src/metrics/registry.js'

/** An Alertmanager whose POST answers too late: `takes` says whether it stores the silence anyway. */
async function slowAlertmanager (takes: boolean) {
  const stored: GettableSilence[] = []
  let posts = 0
  const server: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/api/v2/silences') {
      posts++
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        if (takes) stored.push({ ...JSON.parse(body) as PostableSilence, id: `s-${posts}`, status: { state: 'active' }, updatedAt: new Date().toISOString() })
        setTimeout(() => { if (!res.destroyed) res.end(JSON.stringify({ silenceID: `s-${posts}` })) }, 1_000)
      })
      return
    }
    if (req.method === 'GET' && req.url === '/api/v2/silences') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(stored))
      return
    }
    res.statusCode = 404
    res.end('not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, posts: () => posts, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) }
}

const silence: PostableSilence = {
  matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
  startsAt: new Date().toISOString(),
  endsAt: new Date(Date.now() + 3_600_000).toISOString(),
  createdBy: 'ops',
  comment: 'replacing the disk',
}

describe('creating a silence when Alertmanager answers too late', () => {
  let am: Awaited<ReturnType<typeof slowAlertmanager>> | undefined
  afterEach(async () => { await am?.close() })
  const client = (url: string) => createAlertmanagerClient({ url, username: undefined, password: undefined, token: undefined, pollS: 10, timeoutMs: 200 }, createMetrics())

  it('finds the silence it took and answers with its id, posting once', async () => {
    am = await slowAlertmanager(true)
    expect(await client(am.url).create(silence)).toEqual({ silenceID: 's-1' })
    expect(am.posts()).toBe(1)
  })

  it('says it was probably not created when it is not among the silences, without posting again', async () => {
    am = await slowAlertmanager(false)
    const err = await client(am.url).create(silence).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AlertmanagerError)
    expect((err as AlertmanagerError).status).toBe(504)
    expect((err as AlertmanagerError).message).toMatch(/not among its silences .* probably not created/)
    expect(am.posts()).toBe(1)
  })

  it('matches only the same silence: matchers in any order, same author, comment and end', () => {
    const got: GettableSilence = { ...silence, id: 'x', status: { state: 'active' }, updatedAt: '' }
    const two: PostableSilence = { ...silence, matchers: [...silence.matchers, { name: 'instance', value: 'db1', isRegex: false }] }
    expect(sameSilence({ ...two, id: 'x', status: { state: 'active' }, updatedAt: '', matchers: [...two.matchers].reverse() }, two)).toBe(true)
    expect(sameSilence(got, silence)).toBe(true)
    expect(sameSilence(got, { ...silence, comment: 'other' })).toBe(false)
    expect(sameSilence(got, { ...silence, createdBy: 'someone' })).toBe(false)
    expect(sameSilence(got, two)).toBe(false)
    expect(sameSilence({ ...got, status: { state: 'expired' } }, silence)).toBe(false)
  })
})
