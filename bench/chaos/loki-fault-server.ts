import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type LokiFault = 'healthy' | 'hang' | '429' | '500' | 'reset' | 'garbage' | 'wrong-shape'

/**
 * A Loki that misbehaves on demand: every request (query_range, labels, buildinfo, ready) gets
 * the current fault. It counts requests, and their peak per second. A healthy answer takes
 * `latencyMs` (default 0), as a real Loki's query does.
 */
export async function startLokiFaultServer (o: { latencyMs?: number } = {}) {
  let fault: LokiFault = 'healthy'
  let requests = 0
  let urls: string[] = []
  const perSecond = new Map<number, number>()
  const hung = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    requests++
    urls.push(req.url ?? '')
    const s = Math.floor(Date.now() / 1000)
    perSecond.set(s, (perSecond.get(s) ?? 0) + 1)
    const url = req.url ?? ''
    switch (fault) {
      case 'hang': hung.add(res); res.on('close', () => hung.delete(res)); return
      case '429': res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }); res.end('too many outstanding requests'); return
      case '500': res.writeHead(500, { 'content-type': 'text/plain' }); res.end('internal server error: failed to get chunks'); return
      case 'reset': req.socket.destroy(); return
      case 'garbage': res.writeHead(200, { 'content-type': 'application/json' }); res.end('\u0000\u00ff<html>not json{{{'); return
      case 'wrong-shape': res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result: { unexpected: true } } })); return
      default:
        if (url.startsWith('/ready')) { res.writeHead(200); res.end('ready'); return }
        if (url.includes('buildinfo')) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"version":"3.0.0"}'); return }
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ status: 'success', data: url.includes('/labels') || url.includes('/series') ? [] : { resultType: url.includes('count_over_time') ? 'matrix' : 'streams', result: [] } }))
        }, o.latencyMs ?? 0)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set (f: LokiFault) {
      fault = f
      requests = 0
      urls = []
      perSecond.clear()
      for (const r of hung) r.destroy()
    },
    requests: () => requests,
    /** The URLs asked since the last set(), in order. */
    urls: () => [...urls],
    peakPerSecond: () => Math.max(0, ...perSecond.values()),
    async close () {
      for (const r of hung) r.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
