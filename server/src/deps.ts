import path from 'node:path'
import type pg from 'pg'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { createPool, SCHEDULING_APPLICATION_NAME, startEmbeddedPostgres, trackBackendPids } from './infra/postgres.js'
import type { Redis } from 'ioredis'
import { connectRedis, createMemoryBus, createMemoryCache, createRateLimitRedis, createRedisBus, createRedisCache, type Bus, type Cache } from './infra/redis.js'
import { createKv, type Kv } from './database/kv.js'
import type { Metrics } from './metrics/registry.js'
import { createFileSource } from './logs/files/source.js'
import { createLokiSource } from './logs/loki/source.js'
import type { LogSource } from './logs/source.js'

/**
 * The real components, or their embedded defaults. Created once by main.ts (or a
 * test) and handed to buildApp, which never opens a connection of its own.
 */
export interface Deps {
  pg: {
    /** TovPlay's database as the scheduling core uses it. */
    app: pg.Pool
    /** The monitored database, through the read-only monitoring role. At most 2 connections. */
    monitor: pg.Pool
    /** TovWatch's own store (alerts): the webhook receiver, writes and health. */
    store: pg.Pool
    /**
     * The same store for the alert stream's reads (snapshots, replays, backfill), on connections of
     * its own: a storm of connecting clients never makes a webhook or the health check wait.
     */
    storeStream?: pg.Pool
    kind: 'postgres' | 'embedded'
    /** Server PIDs of the pools' connections: what terminate-idle spares. */
    ownPids?: () => number[]
  }
  bus: Bus
  cache: Cache
  /** The login throttle's counters when REDIS_URL is set (shared by instances); undefined: in-process. */
  rateLimitRedis?: Redis
  /** The database watch's small shared state (Redis under tovwatch:db:*, or memory). */
  kv: Kv
  logSource: LogSource
  close: () => Promise<void>
}

export async function createDeps (config: Config, logger: Logger, metrics: Metrics): Promise<Deps> {
  const closers: Array<() => Promise<void>> = []
  const warnOnce = new Set<string>()
  const onInfraError = (component: string) => (err: Error) => {
    const key = `${component}:${err.message}`
    if (warnOnce.has(key)) return
    warnOnce.add(key)
    logger.warn({ component, err: { message: err.message } }, `${component} error`)
  }

  let appUrl = config.databaseUrl
  let monitorUrl = config.database.monitorUrl
  let storeUrl = config.tovwatchDatabaseUrl
  let kind: Deps['pg']['kind'] = 'postgres'
  if (appUrl === undefined) {
    const embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'pglite'))
    closers.push(embedded.close)
    appUrl = embedded.connectionString
    monitorUrl ??= appUrl
    storeUrl ??= appUrl
    kind = 'embedded'
    logger.info('DATABASE_URL is unset: using the embedded PGlite database in the data directory')
  }
  const statementTimeoutMs = 10_000
  const appPool = createPool(appUrl, { max: kind === 'embedded' ? 4 : 10, applicationName: SCHEDULING_APPLICATION_NAME, statementTimeoutMs }, onInfraError('postgres'))
  const monitorPool = createPool(monitorUrl ?? appUrl, { max: 2, applicationName: 'tovwatch', statementTimeoutMs: 5000, idleTimeoutMs: 60_000 }, onInfraError('postgres-monitor'))
  const storePool = createPool(storeUrl ?? appUrl, { max: kind === 'embedded' ? 2 : 5, applicationName: 'tovwatch-store', statementTimeoutMs }, onInfraError('postgres-store'))
  const storeStreamPool = createPool(storeUrl ?? appUrl, { max: 2, applicationName: 'tovwatch-stream', statementTimeoutMs, connectionTimeoutMs: 10_000 }, onInfraError('postgres-stream'))
  const ownPids = trackBackendPids([appPool, monitorPool, storePool, storeStreamPool])
  closers.push(() => appPool.end(), () => monitorPool.end(), () => storePool.end(), () => storeStreamPool.end())

  const bus = config.redisUrl !== undefined ? createRedisBus(config.redisUrl, onInfraError('redis')) : createMemoryBus()
  const cache = config.redisUrl !== undefined ? createRedisCache(config.redisUrl, 'loki', metrics, onInfraError('redis')) : createMemoryCache('loki', metrics)
  const rateLimitRedis = config.redisUrl !== undefined ? createRateLimitRedis(config.redisUrl, onInfraError('redis')) : undefined
  const kvRedis = config.redisUrl !== undefined
    ? connectRedis(config.redisUrl, 'tovwatch-db-watch', { retryStrategy: (n) => Math.min(n * 500, 10_000) })
    : undefined
  const kv = createKv(kvRedis, (err) => logger.debug({ component: 'database-watch', err: { message: err.message } }, 'database watch: Redis unavailable, keeping its state in memory'))
  closers.push(bus.close, cache.close, kv.close, async () => { rateLimitRedis?.disconnect() })

  const logSource = config.loki.url !== undefined
    ? createLokiSource(config.loki, { metrics, cache, logger })
    : createFileSource(config, { logger })
  closers.push(logSource.close)

  return {
    pg: { app: appPool, monitor: monitorPool, store: storePool, storeStream: storeStreamPool, kind, ownPids },
    bus,
    cache,
    rateLimitRedis,
    kv,
    logSource,
    async close () {
      // Reverse order: sources and pools before the embedded server they talk to.
      for (const close of closers.reverse()) await close().catch(() => {})
    },
  }
}
