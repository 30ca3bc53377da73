import type { Redis } from 'ioredis'

/**
 * The database watch's small shared state (guard baselines, watched set, connection
 * history) in Redis under tovwatch:db:*, so instances agree and a restart remembers.
 * Without Redis, or while it is down, everything stays in memory and nothing fails.
 * Its own connection (made by deps.ts through infra/redis.ts): the shared Cache is the Loki
 * chunk cache (its own prefix and hit metrics).
 */
export interface Kv {
  redis: Redis | undefined
  get: (key: string) => Promise<string | undefined>
  set: (key: string, value: string, ttlSeconds: number) => Promise<void>
  connect: () => Promise<void>
  close: () => Promise<void>
}

/** `redis` is lazy (not yet connected), or undefined to keep everything in memory. */
export function createKv (redis: Redis | undefined, onError: (err: Error) => void): Kv {
  const memory = new Map<string, { value: string, until: number }>()
  redis?.on('error', onError)
  const ready = () => redis?.status === 'ready'
  return {
    redis,
    async get (key) {
      if (ready()) {
        try {
          const v = await redis?.get(key)
          if (v !== null && v !== undefined) return v
        } catch (err) { onError(err as Error) }
      }
      const m = memory.get(key)
      return m !== undefined && m.until > Date.now() ? m.value : undefined
    },
    async set (key, value, ttlSeconds) {
      memory.set(key, { value, until: Date.now() + ttlSeconds * 1000 })
      if (ready()) await redis?.set(key, value, 'EX', Math.max(1, Math.round(ttlSeconds))).catch(onError)
    },
    async connect () {
      if (redis !== undefined && redis.status === 'wait') await redis.connect().catch(onError)
    },
    async close () { redis?.disconnect() },
  }
}
