import { Registry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createHub, type Hub } from '../../src/alerts/hub.js'
import { createAlertMetrics } from '../../src/alerts/metrics.js'
import { createSnapshots } from '../../src/alerts/snapshots.js'
import type { AlertEvent } from '../../src/alerts/types.js'
import { createMemoryBus } from '../../src/infra/redis.js'
import { ev, FakeSocket, fakeStore, quiet } from './hub-fakes.js'

let hub: Hub | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await hub?.stop()
  hub = undefined
})

function makeHub (committed: AlertEvent[], sliceMs?: number) {
  const bus = createMemoryBus()
  const { store, counts } = fakeStore(committed)
  const metrics = createAlertMetrics(new Registry(), async () => ({}))
  hub = createHub({ store, bus, metrics, log: quiet as never, queueLimit: 10_000, heartbeatMs: 60_000, catchUpMs: 60_000, sliceMs })
  return { bus, counts, hub }
}

const eventIds = (s: FakeSocket) => s.sent.filter((m) => m.type === 'event').map((m) => Number(m.id))

describe('one snapshot for a storm of clients: encoded once, kept across events, sent in slices', () => {
  it('clients connecting together share one read and one encoding: every socket is handed the same Buffer', async () => {
    const { counts, hub } = makeHub([ev(1), ev(2)])
    await hub.start('c')
    const stringify = vi.spyOn(JSON, 'stringify')
    const sockets = Array.from({ length: 50 }, () => new FakeSocket())
    await Promise.all(sockets.map((s) => hub.connect(s as never, undefined)))
    expect(counts.snapshots).toBe(1)
    expect(stringify.mock.calls.filter(([msg]) => (msg as { type?: string } | undefined)?.type === 'snapshot')).toHaveLength(1)
    expect(new Set(sockets.map((s) => s.raw[0])).size).toBe(1)
    for (const s of sockets) expect(s.sent[0]).toMatchObject({ type: 'snapshot', lastEventId: '2' })
  })

  it('a client that connects after events gets the same snapshot and then those events, in order', async () => {
    const committed = [ev(1)]
    const { bus, counts, hub } = makeHub(committed)
    await hub.start('c')
    const early = new FakeSocket()
    await hub.connect(early as never, undefined)
    committed.push(ev(2), ev(3))
    await bus.publish('c', JSON.stringify({ events: [ev(2)] }))
    await bus.publish('c', JSON.stringify({ events: [ev(3)] }))
    await hub.idle()
    const late = new FakeSocket()
    await hub.connect(late as never, undefined)
    expect(counts.snapshots).toBe(1)
    expect(late.raw[0]).toBe(early.raw[0])
    expect(late.sent.map((m) => m.type)).toEqual(['snapshot', 'event', 'event'])
    expect(eventIds(late)).toEqual([2, 3])
    expect(eventIds(early)).toEqual([2, 3])
  })

  it('sent in slices while events arrive: each client gets its snapshot, then every event once, in id order', async () => {
    const committed = [ev(1)]
    // sliceMs 0: one client per turn of the event loop, so events land between the slices.
    const { bus, counts, hub } = makeHub(committed, 0)
    await hub.start('c')
    const sockets = Array.from({ length: 40 }, () => new FakeSocket())
    const connected = Promise.all(sockets.map((s) => hub.connect(s as never, undefined)))
    const synced: number[] = []
    for (let id = 2; id <= 8; id++) {
      await new Promise((resolve) => setImmediate(resolve))
      synced.push(sockets.filter((s) => s.sent.length > 0).length)
      committed.push(ev(id))
      await bus.publish('c', JSON.stringify({ events: [ev(id)] }))
    }
    await connected
    await hub.idle()
    // Events arrived while some clients had their snapshot and others still waited: the burst was sliced.
    expect(synced.some((n) => n > 0 && n < 40)).toBe(true)
    expect(counts.snapshots).toBe(1)
    for (const s of sockets) {
      expect(s.sent[0]).toMatchObject({ type: 'snapshot', lastEventId: '1' })
      expect(eventIds(s)).toEqual([2, 3, 4, 5, 6, 7, 8])
      expect(s.sent.slice(1).every((m) => m.type === 'event')).toBe(true)
    }
  })
})

describe('createSnapshots: the tail kept with a shared snapshot', () => {
  const frame = (id: number, bytes = 10) => ({ id, frame: Buffer.alloc(bytes, id) })
  function make (o: { maxTail?: number, maxTailBytes?: number, maxAgeMs?: number, shareMs?: number } = {}) {
    const { store, counts } = fakeStore([ev(5)])
    const metrics = createAlertMetrics(new Registry(), async () => ({}))
    return { snapshots: createSnapshots({ store, metrics, limit: 100, ...o }), counts }
  }

  it('keeps one snapshot across events, its tail holding them in order', async () => {
    const { snapshots, counts } = make()
    const first = await snapshots.get()
    for (const id of [6, 7, 8]) snapshots.delivered(frame(id).id, frame(id).frame)
    const again = await snapshots.get()
    expect(again).toBe(first)
    expect(again.tail.map((t) => t.id)).toEqual([6, 7, 8])
    expect(counts.snapshots).toBe(1)
  })

  it('reads again once the tail is full (count or bytes) or the snapshot is too old', async () => {
    const byCount = make({ maxTail: 2 })
    const a = await byCount.snapshots.get()
    for (const id of [6, 7, 8]) byCount.snapshots.delivered(id, frame(id).frame)
    const b = await byCount.snapshots.get()
    expect(b).not.toBe(a)
    expect(a.tail.map((t) => t.id)).toEqual([6, 7])
    expect(byCount.counts.snapshots).toBe(2)

    const byBytes = make({ maxTailBytes: 25 })
    const c = await byBytes.snapshots.get()
    for (const id of [6, 7, 8]) byBytes.snapshots.delivered(id, frame(id, 10).frame)
    expect(await byBytes.snapshots.get()).not.toBe(c)
    expect(c.tail.map((t) => t.id)).toEqual([6, 7])

    const byAge = make({ maxAgeMs: 20 })
    const d = await byAge.snapshots.get()
    expect(await byAge.snapshots.get()).toBe(d)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(await byAge.snapshots.get()).not.toBe(d)
    expect(byAge.counts.snapshots).toBe(2)
  })

  it('after the sharing window, the next event retires it; until then it stays cached', async () => {
    const { snapshots, counts } = make({ shareMs: 20 })
    const a = await snapshots.get()
    snapshots.delivered(6, frame(6).frame)
    expect(await snapshots.get()).toBe(a)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(await snapshots.get()).toBe(a)
    snapshots.delivered(7, frame(7).frame)
    const b = await snapshots.get()
    expect(b).not.toBe(a)
    expect(a.tail.map((t) => t.id)).toEqual([6, 7])
    expect(counts.snapshots).toBe(2)
  })
})
