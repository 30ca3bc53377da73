import { describe, expect, it } from 'vitest'
import { AlertsStore, sortAlerts } from '../src/alerts-store.js'
import { alert } from './fixtures.js'

function manualStore () {
  const queue: Array<() => void> = []
  const delays: number[] = []
  let clock = 1000
  const store = new AlertsStore((fn, ms) => { queue.push(fn); delays.push(ms) }, 250, () => clock)
  return { store, delays, flush: () => { for (const fn of queue.splice(0)) fn() }, tick: (ms: number) => { clock += ms } }
}

describe('alerts store', () => {
  it('a complete snapshot drops firing alerts it lacks; a bounded one (paged after it) keeps them', () => {
    const { store } = manualStore()
    store.replace([alert('a'), alert('b')])
    store.replace([alert('a')], false)
    expect(store.list.map((a) => a.id).sort()).toEqual(['a', 'b'])
    store.replace([alert('a')])
    expect(store.list.map((a) => a.id)).toEqual(['a'])
  })

  it('sorts firing first (worst severity, newest), then resolved (latest end first)', () => {
    const list = sortAlerts([
      alert('r1', { status: 'resolved', endsAt: '2026-11-22T09:00:00Z' }),
      alert('f-low', { severity: 'low' }),
      alert('f-crit-old', { severity: 'critical', startsAt: '2026-11-22T08:00:00Z' }),
      alert('r2', { status: 'resolved', endsAt: '2026-11-22T11:00:00Z' }),
      alert('f-crit-new', { severity: 'critical', startsAt: '2026-11-22T09:30:00Z' }),
    ])
    expect(list.map((a) => a.id)).toEqual(['f-crit-new', 'f-crit-old', 'f-low', 'r2', 'r1'])
  })

  it('tells listeners at most every 250 ms however many events arrive', () => {
    const { store, flush, delays, tick } = manualStore()
    let calls = 0
    store.subscribe(() => { calls++ })
    for (let i = 0; i < 100; i++) store.apply({ type: 'event', id: String(i), kind: 'firing', alert: alert(String(i)), at: '' })
    expect(calls).toBe(0)
    flush()
    expect(calls).toBe(1)
    expect(delays).toEqual([0])
    expect(store.firingCount).toBe(100)
    tick(100)
    store.apply({ type: 'event', id: 'x', kind: 'firing', alert: alert('x'), at: '' })
    expect(delays).toEqual([0, 150])
    flush()
    expect(calls).toBe(2)
  })

  it('asks for a toast only when a critical alert starts firing', () => {
    const { store } = manualStore()
    const crit = alert('c', { severity: 'critical' })
    expect(store.apply({ type: 'event', id: '1', kind: 'firing', alert: crit, at: '' })).toBe(true)
    expect(store.apply({ type: 'event', id: '2', kind: 'ack', alert: { ...crit, acknowledged: { by: 'a', at: '', note: '', until: null } }, at: '' })).toBe(false)
    expect(store.apply({ type: 'event', id: '3', kind: 'updated', alert: crit, at: '' })).toBe(false)
    expect(store.apply({ type: 'event', id: '4', kind: 'firing', alert: alert('h', { severity: 'high' }), at: '' })).toBe(false)
    store.apply({ type: 'event', id: '5', kind: 'resolved', alert: { ...crit, status: 'resolved' }, at: '' })
    expect(store.apply({ type: 'event', id: '6', kind: 'firing', alert: crit, at: '' })).toBe(true)
  })

  it('replaces the firing alerts on a snapshot and keeps the resolved ones it already had', () => {
    const { store } = manualStore()
    store.apply({ type: 'event', id: '1', kind: 'firing', alert: alert('x'), at: '' })
    store.apply({ type: 'event', id: '2', kind: 'resolved', alert: alert('old', { status: 'resolved', endsAt: '2026-11-22T11:00:00Z' }), at: '' })
    store.replace([alert('y')])
    expect(store.list.map((a) => a.id)).toEqual(['y', 'old'])
    expect(store.firingCount).toBe(1)
    expect(store.loaded).toBe(true)
  })

  it('merges history without overwriting anything newer the stream brought', () => {
    const { store } = manualStore()
    store.replace([alert('a', { updatedAt: '2026-11-22T12:00:00Z' })])
    store.merge([
      alert('a', { status: 'resolved', updatedAt: '2026-11-22T09:00:00Z' }),
      alert('h1', { status: 'resolved', endsAt: '2026-11-21T10:00:00Z', updatedAt: '2026-11-21T10:00:00Z' }),
    ])
    expect(store.list.map((a) => [a.id, a.status])).toEqual([['a', 'firing'], ['h1', 'resolved']])
    store.merge([alert('a', { status: 'resolved', endsAt: '2026-11-22T13:00:00Z', updatedAt: '2026-11-22T13:00:00Z' })])
    expect(store.list.find((a) => a.id === 'a')?.status).toBe('resolved')
  })

  it('knows when the stream last spoke: snapshot, event or heartbeat (touch), and tells listeners', () => {
    const { store, flush } = manualStore()
    let calls = 0
    store.subscribe(() => { calls++ })
    expect(store.syncedAt).toBeNull()
    store.replace([alert('a')])
    const first = store.syncedAt
    expect(Date.now() - Date.parse(first as string)).toBeLessThan(5000)
    flush()
    store.touch(new Date('2030-01-01T00:00:00Z'))
    expect(store.syncedAt).toBe('2030-01-01T00:00:00.000Z')
    flush()
    expect(calls).toBe(2)
    expect(store.list.map((a) => a.id)).toEqual(['a'])
    store.apply({ type: 'event', id: '1', kind: 'firing', alert: alert('b'), at: '' })
    expect(store.syncedAt).not.toBe('2030-01-01T00:00:00.000Z')
  })
})
