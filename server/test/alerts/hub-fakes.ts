import { EventEmitter } from 'node:events'
import type { AlertStore } from '../../src/alerts/store.js'
import type { AlertEvent } from '../../src/alerts/types.js'

export function ev (id: number): AlertEvent {
  return {
    id: String(id),
    kind: 'firing',
    at: new Date().toISOString(),
    alert: { id: String(id), fingerprint: `f${id}`, status: 'firing', severity: 'high', alertname: 'A', labels: {}, annotations: {}, startsAt: '', endsAt: null, generatorURL: null, source: 'alertmanager', acknowledged: null, updatedAt: '' },
  }
}

/** The store as the hub sees it: a list of committed events; `snapshots` counts snapshot reads. */
export function fakeStore (committed: AlertEvent[]) {
  const calls: Array<[number, number | null]> = []
  const counts = { snapshots: 0 }
  const store = {
    eventBounds: async () => ({ min: committed.length > 0 ? Number(committed[0]?.id) : 0, max: committed.length > 0 ? Number(committed.at(-1)?.id) : 0 }),
    eventsAfter: async (after: number, upTo: number | null, limit: number) => {
      calls.push([after, upTo])
      return committed.filter((e) => Number(e.id) > after && (upTo === null || Number(e.id) <= upTo)).slice(0, limit)
    },
    snapshot: async () => {
      counts.snapshots++
      return { lastEventId: committed.length > 0 ? Number(committed.at(-1)?.id) : 0, total: 0, alerts: [], cursor: null }
    },
  }
  return { store: store as unknown as AlertStore, calls, counts }
}

/** A WebSocket as the hub uses it; `raw` keeps each frame as handed over (to tell one shared Buffer from copies). */
export class FakeSocket extends EventEmitter {
  sent: any[] = []
  raw: Buffer[] = []
  pings = 0
  closedWith: [number, string] | undefined
  bufferedAmount = 0
  send (data: Buffer, _opts: unknown, cb: () => void) { this.raw.push(data); this.sent.push(JSON.parse(data.toString())); setImmediate(cb) }
  ping () { this.pings++ }
  close (code: number, reason: string) { this.closedWith = [code, reason] }
  terminate () {}
}

export const quiet = { warn: () => {}, error: () => {}, info: () => {}, debug: () => {} }
