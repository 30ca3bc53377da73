import { describe, expect, it } from 'vitest'
import { createAlertSink, type InternalAlert } from '../../src/alerts/sink.js'
import { createLokiReachabilityCheck } from '../../src/logs/reachability.js'
import type { LogSource } from '../../src/logs/source.js'

function setup (kind: 'loki' | 'files', health: () => Promise<{ status: 'up' | 'down', message: string }>) {
  const raised: Array<[string, InternalAlert]> = []
  const resolved: string[] = []
  const base = createAlertSink(() => {})
  const sink = { ...base, raise: (k: string, a: InternalAlert) => { raised.push([k, a]); base.raise(k, a) }, resolve: (k: string) => { resolved.push(k); base.resolve(k) } }
  const source = { kind, health } as unknown as LogSource
  return { raised, resolved, check: createLokiReachabilityCheck({ source, sink, pollS: 15 }) }
}

describe('Loki unreachable check', () => {
  it('raises TovWatchLokiUnreachable after 2 failed polls and resolves when Loki answers', async () => {
    let up = false
    const f = setup('loki', async () => (up ? { status: 'up', message: 'ok' } : { status: 'down', message: 'connect ECONNREFUSED' }))
    await f.check()
    expect(f.raised).toHaveLength(0)
    await f.check()
    expect(f.raised[0]?.[1]).toMatchObject({ alertname: 'TovWatchLokiUnreachable', severity: 'high', view: 'errors' })
    expect(f.raised[0]?.[1].description).toContain('ECONNREFUSED')
    expect(f.raised[0]?.[1].description).toContain('every 15s')
    up = true
    await f.check()
    expect(f.resolved).toContain('loki-unreachable')
  })
  it('counts a health probe that throws as down', async () => {
    const f = setup('loki', async () => { throw new Error('socket hang up') })
    await f.check()
    await f.check()
    expect(f.raised[0]?.[1].description).toContain('socket hang up')
  })
  it('does nothing for the file log source', async () => {
    const f = setup('files', async () => ({ status: 'down', message: 'x' }))
    await f.check()
    await f.check()
    expect(f.raised).toHaveLength(0)
  })
})
