import type { Kv } from './kv.js'

export interface HistorySample { t: number, active: number, idle: number, idleInTx: number, other: number, total: number, max: number }

export interface ConnectionsHistory {
  add: (s: HistorySample) => void
  /** Column arrays for uPlot, oldest first. */
  columns: () => { timestamps: number[], active: number[], idle: number[], idle_in_transaction: number[], other: number[], total: number[], maxConnections: number[] }
  /** Loads what other instances (or this one before a restart) stored. */
  load: () => Promise<void>
  close: () => Promise<void>
}

const KEEP_MS = 25 * 3600_000
const HOUR_MS = 3600_000

/**
 * At least 24 h of connection samples at probe resolution. Served from memory; with
 * Redis, each sample is also written to a hash per hour (field = the probe's time
 * slot), so instances probing the same database write the same slot once, and a
 * restarted instance gets its chart back. Redis down: memory only, no error.
 */
export function createConnectionsHistory (opts: { kv: Kv | undefined, namespace: string, slotMs: number, onError: (err: Error) => void }): ConnectionsHistory {
  const samples = new Map<number, HistorySample>()
  const redis = opts.kv?.redis
  const keyOf = (hour: number) => `tovwatch:db:connhist:${opts.namespace}:${hour}`
  const slot = (t: number) => Math.floor(t / opts.slotMs) * opts.slotMs

  function trim (now: number) {
    for (const t of samples.keys()) if (t < now - KEEP_MS) samples.delete(t)
  }

  return {
    add (s) {
      const t = slot(s.t)
      const sample = { ...s, t }
      samples.set(t, sample)
      trim(s.t)
      if (redis?.status === 'ready') {
        const key = keyOf(Math.floor(t / HOUR_MS) * HOUR_MS)
        const value = [s.active, s.idle, s.idleInTx, s.other, s.total, s.max].join(',')
        redis.multi().hset(key, String(t), value).pexpire(key, KEEP_MS + 2 * HOUR_MS).exec().catch(opts.onError)
      }
    },
    columns () {
      const list = [...samples.values()].sort((a, b) => a.t - b.t)
      return {
        timestamps: list.map((s) => s.t),
        active: list.map((s) => s.active),
        idle: list.map((s) => s.idle),
        idle_in_transaction: list.map((s) => s.idleInTx),
        other: list.map((s) => s.other),
        total: list.map((s) => s.total),
        maxConnections: list.map((s) => s.max),
      }
    },
    async load () {
      if (redis === undefined) return
      try {
        await opts.kv?.connect()
        if (redis.status !== 'ready') return
        const now = Date.now()
        const first = Math.floor((now - KEEP_MS) / HOUR_MS) * HOUR_MS
        const pipe = redis.pipeline()
        for (let h = first; h <= now; h += HOUR_MS) pipe.hgetall(keyOf(h))
        for (const [err, hash] of (await pipe.exec()) ?? []) {
          if (err !== null || hash === null) continue
          for (const [field, value] of Object.entries(hash as Record<string, string>)) {
            const t = Number(field)
            const v = value.split(',').map(Number)
            if (!Number.isFinite(t) || v.length !== 6 || v.some((x) => !Number.isFinite(x)) || samples.has(t)) continue
            const [active, idle, idleInTx, other, total, max] = v as [number, number, number, number, number, number]
            samples.set(t, { t, active, idle, idleInTx, other, total, max })
          }
        }
        trim(now)
      } catch (err) {
        opts.onError(err as Error)
      }
    },
    async close () {},
  }
}
