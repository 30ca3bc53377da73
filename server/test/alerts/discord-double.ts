import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type Behaviour = 'ok' | '500' | 'hang' | { status: 429, retryAfterS: number, header?: boolean }

/** A local stand-in for Discord's webhook endpoint: records bodies, answers as scripted (then 204). */
export async function startDiscordDouble () {
  const received: Array<{ at: number, body: any, path: string }> = []
  const script: Behaviour[] = []
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => { raw += c.toString() })
    req.on('end', () => {
      const b = script.shift() ?? 'ok'
      received.push({ at: Date.now(), body: JSON.parse(raw || 'null'), path: req.url ?? '' })
      if (b === 'hang') return
      if (b === '500') { res.writeHead(500).end('oops'); return }
      if (b === 'ok') { res.writeHead(204).end(); return }
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (b.header === true) headers['retry-after'] = String(b.retryAfterS)
      res.writeHead(429, headers).end(b.header === true ? '{}' : JSON.stringify({ message: 'You are being rate limited.', retry_after: b.retryAfterS, global: false }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/123456/secret-webhook-token-abc`,
    received,
    script,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
