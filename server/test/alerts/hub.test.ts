import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub, type Hub } from '../../src/alerts/hub.js'
import { createAlertMetrics } from '../../src/alerts/metrics.js'
import type { AlertEvent } from '../../src/alerts/types.js'
import { createMemoryBus } from '../../src/infra/redis.js'
import { ev, FakeSocket, fakeStore, quiet } from './hub-fakes.js'

let hub: Hub | undefined
afterEach(async () => { await hub?.stop(); hub = undefined })

function makeHub (committed: AlertEvent[], opts: { heartbeatMs?: number } = {}) {
  const bus = createMemoryBus()
  const { store, calls } = fakeStore(committed)
  const registry = new Registry()
  const metrics = createAlertMetrics(registry, async () => ({}))
  hub = createHub({ store, bus, metrics, log: quiet as never, queueLimit: 100, heartbeatMs: opts.heartbeatMs ?? 60_000, catchUpMs: 60_000 })
  return { bus, calls, registry, hub }
}

describe('alert hub', () => {
  it('fills a gap in the ids from the store, in order, and drops what it already delivered', async () => {
    const committed = [ev(1), ev(2)]
    const { bus, calls, hub } = makeHub(committed)
    await hub.start('c')
    const s = new FakeSocket()
    await hub.connect(s as never, undefined)
    committed.push(ev(3), ev(4), ev(5))
    // Event 5 arrives first (its instance's publish won the race); 3 and 4 come from the store.
    await bus.publish('c', JSON.stringify({ events: [ev(5)] }))
    await bus.publish('c', JSON.stringify({ events: [ev(3), ev(4)] }))
    await hub.idle()
    expect(calls).toContainEqual([2, 4])
    expect(s.sent.filter((m) => m.type === 'event').map((m) => Number(m.id))).toEqual([3, 4, 5])
    expect(s.sent[0].type).toBe('snapshot')
  })

  it('sends heartbeats and pings, and closes a client that stops answering pings', async () => {
    const { hub, registry } = makeHub([], { heartbeatMs: 50 })
    await hub.start('c')
    const alive = new FakeSocket()
    const dead = new FakeSocket()
    await hub.connect(alive as never, undefined)
    await hub.connect(dead as never, undefined)
    const timer = setInterval(() => alive.emit('pong'), 20)
    await new Promise((resolve) => setTimeout(resolve, 300))
    clearInterval(timer)
    expect(alive.sent.some((m) => m.type === 'heartbeat')).toBe(true)
    expect(alive.pings).toBeGreaterThan(1)
    expect(alive.closedWith).toBeUndefined()
    expect(dead.closedWith?.[0]).toBe(1001)
    expect(hub.clientCount()).toBe(1)
    expect(await registry.getSingleMetricAsString('tovwatch_ws_disconnects_total')).toMatch(/reason="dead"} 1/)
  })

  it('corks each live client\'s TCP socket while a batch is framed, and uncorks it after', async () => {
    const committed = [ev(1)]
    const { bus, hub } = makeHub(committed)
    await hub.start('c')
    const s = new FakeSocket()
    const tcp = { corked: 0, log: [] as string[], cork () { this.corked++; this.log.push('cork') }, uncork () { this.corked--; this.log.push('uncork') } }
    const origSend = s.send.bind(s)
    s.send = (data: Buffer, opts: unknown, cb: () => void) => { tcp.log.push(tcp.corked > 0 ? 'send corked' : 'send'); origSend(data, opts, cb) }
    await hub.connect(s as never, undefined, tcp)
    committed.push(ev(2), ev(3))
    await bus.publish('c', JSON.stringify({ events: [ev(2), ev(3)] }))
    await hub.idle()
    expect(s.sent.filter((m) => m.type === 'event').map((m) => Number(m.id))).toEqual([2, 3])
    expect(tcp.corked).toBe(0)
    const batch = tcp.log.slice(tcp.log.indexOf('cork'))
    expect(batch).toEqual(['cork', 'send corked', 'send corked', 'uncork'])
  })

  it('ignores a bus message that is not JSON', async () => {
    const { bus, hub } = makeHub([ev(1)])
    await hub.start('c')
    await bus.publish('c', 'not json {')
    await hub.idle()
    expect(hub.lastEventId()).toBe(1)
  })
})
