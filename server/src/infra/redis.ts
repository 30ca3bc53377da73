import { EventEmitter } from 'node:events'
import { Redis, type RedisOptions } from 'ioredis'
import { LRUCache } from 'lru-cache'
import type { Metrics } from '../metrics/registry.js'

export type Unsubscribe = () => Promise<void>

/** Pub/sub between TovWatch instances: Redis when configured, in-process otherwise. */
export interface Bus {
  readonly kind: 'redis' | 'memory'
  publish: (channel: string, message: string) => Promise<void>
  subscribe: (channel: string, handler: (message: string) => void) => Promise<Unsubscribe>
  /** true while Redis is configured but unreachable and messages are delivered in-process only. */
  degraded: () => boolean
  close: () => Promise<void>
}

/** A string cache shared by instances: Redis when configured, an in-process LRU otherwise. */
export interface Cache {
  readonly kind: 'redis' | 'memory'
  get: (key: string) => Promise<string | undefined>
  set: (key: string, value: string, ttlSeconds: number) => Promise<void>
  degraded: () => boolean
  /** Round-trip time of a PING in ms, or null when Redis does not answer (always 0 in-process). */
  ping: () => Promise<number | null>
  close: () => Promise<void>
}

const REDIS_TIMEOUT_MS = 1000

/** A Redis client that fails fast while disconnected (lazy: the caller connects). */
export function connectRedis (url: string, name: string, overrides: Partial<RedisOptions> = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    // Fail fast while disconnected: callers fall back to in-process instead of queueing.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_TIMEOUT_MS * 2,
    commandTimeout: REDIS_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...overrides,
  })
}

/** A plain client for @fastify/rate-limit's Redis store (the login throttle), which runs its own scripts. */
export function createRateLimitRedis (url: string, onError: (err: Error) => void): Redis {
  const client = connectRedis(url, 'tovwatch-ratelimit')
  client.on('error', onError)
  client.connect().catch(onError)
  return client
}

export function createMemoryBus (): Bus {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  return {
    kind: 'memory',
    publish: async (channel, message) => { emitter.emit(channel, message) },
    subscribe: async (channel, handler) => {
      emitter.on(channel, handler)
      return async () => { emitter.off(channel, handler) }
    },
    degraded: () => false,
    close: async () => { emitter.removeAllListeners() },
  }
}

/**
 * Redis pub/sub with an in-process fallback. While Redis is unreachable a publish
 * is delivered to this instance's own subscribers, so a single instance keeps
 * working; other instances miss it until Redis is back (and resume from the store).
 */
export function createRedisBus (url: string, onError: (err: Error) => void): Bus {
  const pub = connectRedis(url, 'tovwatch-pub')
  const sub = connectRedis(url, 'tovwatch-sub')
  // The subscriber queues its SUBSCRIBE commands until connected, so they are replayed.
  sub.options.enableOfflineQueue = true
  const local = new EventEmitter()
  local.setMaxListeners(0)
  for (const c of [pub, sub]) c.on('error', onError)
  pub.connect().catch(onError)
  sub.connect().catch(onError)
  sub.on('message', (channel: string, message: string) => local.emit(channel, message))

  return {
    kind: 'redis',
    publish: async (channel, message) => {
      if (pub.status === 'ready') {
        try {
          await pub.publish(channel, message)
          return
        } catch (err) {
          onError(err as Error)
        }
      }
      local.emit(channel, message)
    },
    subscribe: async (channel, handler) => {
      local.on(channel, handler)
      if (local.listenerCount(channel) === 1) sub.subscribe(channel).catch(onError)
      return async () => {
        local.off(channel, handler)
        if (local.listenerCount(channel) === 0) await sub.unsubscribe(channel).catch(onError)
      }
    },
    degraded: () => pub.status !== 'ready' || sub.status !== 'ready',
    close: async () => {
      local.removeAllListeners()
      pub.disconnect()
      sub.disconnect()
    },
  }
}

export function createMemoryCache (name: string, metrics: Metrics | undefined, maxEntries = 5000): Cache {
  const lru = new LRUCache<string, string>({ max: maxEntries, ttlAutopurge: false })
  return {
    kind: 'memory',
    get: async (key) => {
      const v = lru.get(key)
      metrics?.cacheRequests.inc({ cache: name, result: v === undefined ? 'miss' : 'hit' })
      return v
    },
    set: async (key, value, ttlSeconds) => { lru.set(key, value, { ttl: ttlSeconds * 1000 }) },
    degraded: () => false,
    ping: async () => 0,
    close: async () => { lru.clear() },
  }
}

/** Redis cache that falls back to an in-process LRU whenever Redis does not answer. */
export function createRedisCache (url: string, name: string, metrics: Metrics | undefined, onError: (err: Error) => void): Cache {
  const client = connectRedis(url, 'tovwatch-cache')
  client.on('error', onError)
  client.connect().catch(onError)
  const fallback = createMemoryCache(name, undefined)
  const prefix = `tovwatch:${name}:`
  const count = (hit: boolean) => metrics?.cacheRequests.inc({ cache: name, result: hit ? 'hit' : 'miss' })
  return {
    kind: 'redis',
    get: async (key) => {
      let v: string | undefined
      if (client.status === 'ready') {
        try {
          v = (await client.get(prefix + key)) ?? undefined
        } catch (err) {
          onError(err as Error)
          v = await fallback.get(key)
        }
      } else {
        v = await fallback.get(key)
      }
      count(v !== undefined)
      return v
    },
    set: async (key, value, ttlSeconds) => {
      await fallback.set(key, value, ttlSeconds)
      if (client.status !== 'ready') return
      try {
        await client.set(prefix + key, value, 'EX', Math.max(1, Math.round(ttlSeconds)))
      } catch (err) {
        onError(err as Error)
      }
    },
    degraded: () => client.status !== 'ready',
    ping: async () => {
      if (client.status !== 'ready') return null
      const started = performance.now()
      try {
        await client.ping()
        return Math.round((performance.now() - started) * 10) / 10
      } catch {
        return null
      }
    },
    close: async () => {
      client.disconnect()
      await fallback.close()
    },
  }
}
