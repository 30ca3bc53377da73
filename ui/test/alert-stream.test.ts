import { beforeEach, describe, expect, it, vi } from 'vitest'
import { AlertStream, backoffDelay, compareEventIds, type AlertEvent, type StreamState } from '../src/alert-stream.js'
import type { Alert } from '../src/types.js'
import { FakeSocket } from './fake-ws.js'
import { alert } from './fixtures.js'

function setup (random = () => 0.5) {
  const events: AlertEvent[] = []
  const snapshots: Alert[][] = []
  const states: Array<[StreamState, number | null]> = []
  const stream = new AlertStream({
    url: (last) => `ws://x/logs/api/alerts/stream${last === undefined ? '' : `?lastEventId=${last}`}`,
    WebSocket: FakeSocket,
    onSnapshot: (a) => { snapshots.push(a) },
    onEvent: (e) => { events.push(e) },
    onState: (s, r) => { states.push([s, r]) },
    random,
    minDelayMs: 500,
    maxDelayMs: 8000,
    idleTimeoutMs: 45_000,
  })
  return { stream, events, snapshots, states }
}

const ev = (id: string, a = alert('1')) => ({ type: 'event', id, kind: 'firing', alert: a, at: '2026-11-22T10:00:00Z' })

beforeEach(() => { FakeSocket.all = []; vi.useFakeTimers() })

describe('backoff', () => {
  it('doubles up to the cap, with jitter between half and the full delay', () => {
    expect(backoffDelay(0, 500, 8000, () => 0)).toBe(250)
    expect(backoffDelay(0, 500, 8000, () => 1)).toBe(500)
    expect(backoffDelay(3, 500, 8000, () => 1)).toBe(4000)
    expect(backoffDelay(10, 500, 8000, () => 1)).toBe(8000)
    expect(backoffDelay(1000, 500, 8000, () => 0)).toBe(4000)
  })

  it('compares event ids as numbers, beyond 2^53', () => {
    expect(compareEventIds('9', '10')).toBeLessThan(0)
    expect(compareEventIds('9007199254740993', '9007199254740992')).toBeGreaterThan(0)
    expect(compareEventIds('007', '7')).toBe(0)
  })
})

describe('alert stream', () => {
  it('applies the snapshot, then events, and says it is open', () => {
    const { stream, events, snapshots, states } = setup()
    stream.start()
    FakeSocket.last.open()
    FakeSocket.last.send({ type: 'snapshot', lastEventId: '5', alerts: [alert('1')] })
    FakeSocket.last.send(ev('6'))
    expect(snapshots).toHaveLength(1)
    expect(events.map((e) => e.id)).toEqual(['6'])
    expect(stream.state).toBe('open')
    expect(states[0]).toEqual(['connecting', null])
  })

  it('reconnects with growing delays, resumes from the last event id, and drops replayed events', () => {
    const { stream, events, states } = setup()
    stream.start()
    FakeSocket.last.open()
    FakeSocket.last.send({ type: 'snapshot', lastEventId: '5', alerts: [] })
    FakeSocket.last.send(ev('6'))
    FakeSocket.last.send(ev('7'))
    FakeSocket.last.drop()
    expect(stream.state).toBe('reconnecting')
    expect(states.at(-1)).toEqual(['reconnecting', 375])
    vi.advanceTimersByTime(374)
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(2)
    expect(FakeSocket.last.url).toBe('ws://x/logs/api/alerts/stream?lastEventId=7')
    // The second try fails before opening: the delay doubles.
    FakeSocket.last.drop()
    expect(states.at(-1)).toEqual(['reconnecting', 750])
    vi.advanceTimersByTime(750)
    FakeSocket.last.open()
    FakeSocket.last.send(ev('6'))
    FakeSocket.last.send(ev('7'))
    FakeSocket.last.send(ev('8'))
    FakeSocket.last.send(ev('8'))
    expect(events.map((e) => e.id)).toEqual(['6', '7', '8'])
    // A good message resets the backoff.
    FakeSocket.last.drop()
    expect(states.at(-1)).toEqual(['reconnecting', 375])
  })

  it('treats a silent socket (no heartbeat) as dead', () => {
    const { stream } = setup()
    stream.start()
    const first = FakeSocket.last
    first.open()
    first.send({ type: 'heartbeat', at: 'x' })
    vi.advanceTimersByTime(44_999)
    expect(first.closed).toBeUndefined()
    vi.advanceTimersByTime(1)
    expect(first.closed?.code).toBe(4000)
    expect(stream.state).toBe('reconnecting')
    vi.advanceTimersByTime(500)
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('ignores garbage, stops cleanly, and does not reconnect after stop', () => {
    const { stream, events } = setup()
    stream.start()
    FakeSocket.last.open()
    FakeSocket.last.raw('not json')
    FakeSocket.last.raw('{"type":"unknown"}')
    expect(events).toHaveLength(0)
    stream.stop()
    expect(FakeSocket.last.closed?.code).toBe(1000)
    expect(stream.state).toBe('closed')
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
  })

  it('reconnectNow skips the wait when the browser comes back online', () => {
    const { stream } = setup()
    stream.start()
    FakeSocket.last.drop()
    expect(FakeSocket.all).toHaveLength(1)
    stream.reconnectNow()
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('reports every message the server sends (snapshot, event, heartbeat), so the counts can show their age', () => {
    let messages = 0
    const stream = new AlertStream({
      url: () => 'ws://x/logs/api/alerts/stream',
      WebSocket: FakeSocket,
      onSnapshot: () => {},
      onEvent: () => {},
      onMessage: () => { messages++ },
    })
    stream.start()
    FakeSocket.last.open()
    expect(messages).toBe(0)
    FakeSocket.last.send({ type: 'snapshot', lastEventId: '5', alerts: [] })
    FakeSocket.last.send(ev('6'))
    FakeSocket.last.send({ type: 'heartbeat', at: 'x' })
    expect(messages).toBe(3)
    FakeSocket.last.send({ type: 'nonsense' })
    expect(messages).toBe(3)
    stream.stop()
  })
})
