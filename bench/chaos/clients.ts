import WebSocket from 'ws'
import { VIEWER_TOKEN } from './tovwatch.js'

export interface Client {
  ws: WebSocket
  snapshotAt: number | null
  /** Read without parsing the whole frame: 500 clients × 1,000 alerts would keep the runner, not TovWatch, busy. */
  snapshot: { lastEventId: string, alerts: number, truncated: number } | null
  snapshotBytes: number
  eventIds: number[]
  closeCode: number | null
  opened: Promise<void>
}

const FINGERPRINT = Buffer.from('"fingerprint":')

/** A stream client that keeps what a check needs (not every message: 500 of them hold 1,000 alerts each). */
export function connect (port: number, lastEventId?: string): Client {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/logs/api/alerts/stream${lastEventId === undefined ? '' : `?lastEventId=${lastEventId}`}`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })
  const c: Client = { ws, snapshotAt: null, snapshot: null, snapshotBytes: 0, eventIds: [], closeCode: null, opened: Promise.resolve() }
  c.opened = new Promise((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  c.opened.catch(() => {})
  ws.on('error', () => {})
  ws.on('message', (data: Buffer) => {
    const head = data.subarray(0, 80).toString()
    if (head.startsWith('{"type":"snapshot"')) {
      let alerts = 0
      for (let i = data.indexOf(FINGERPRINT); i >= 0; i = data.indexOf(FINGERPRINT, i + 1)) alerts++
      c.snapshot = {
        lastEventId: /"lastEventId":"(\d+)"/.exec(head)?.[1] ?? '0',
        alerts,
        truncated: Number(/"truncated":(\d+)/.exec(data.subarray(-300).toString())?.[1] ?? 0),
      }
      c.snapshotBytes = data.length
      c.snapshotAt = performance.now()
    } else if (head.startsWith('{"type":"event"')) {
      c.eventIds.push(Number(/"id":"(\d+)"/.exec(head)?.[1]))
    }
  })
  ws.on('close', (code) => { c.closeCode = code })
  return c
}

export async function until (cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return cond()
}

/** Events the client should have had (ids in the store) that it lacks, and ids it got twice. */
export function missedAndDuplicated (c: Client, expected: number[]): { missed: number, duplicated: number } {
  const got = new Set(c.eventIds)
  return { missed: expected.filter((id) => !got.has(id)).length, duplicated: c.eventIds.length - got.size }
}
