/**
 * Closed pieces of a count series are immutable, like closed chunks: their samples
 * are cached in process and in the shared Cache (Redis or LRU), under a key that
 * names the LogQL, the step and the evaluation times, so any later query that needs
 * the same aligned samples reuses them whatever its own start and end.
 */
import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Cache } from '../../infra/redis.js'
import type { Metrics } from '../../metrics/registry.js'
import { CHUNK_TTL_S } from './cache.js'

/** Samples kept in process across all pieces (a 6-hour piece at a 1-minute step holds 360). */
export const SERIES_L1_MAX_SAMPLES = 2_000_000

export interface SeriesPieceKey {
  url: string
  tenant: string | undefined
  query: string
  stepMs: number
  /** First and last evaluation time of the piece, epoch ms. */
  firstMs: number
  lastMs: number
}

export interface SeriesCache {
  key: (p: SeriesPieceKey) => string
  /** The piece's samples, one per step, or undefined (also for a value that does not have `points` finite numbers). */
  get: (key: string, points: number) => Promise<number[] | undefined>
  set: (key: string, values: number[]) => Promise<void>
  clearLocal: () => void
}

export function decodeSamples (value: string, points: number): number[] | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  const v = parsed as { v?: unknown, s?: unknown } | null
  if (v === null || typeof v !== 'object' || v.v !== 1 || !Array.isArray(v.s) || v.s.length !== points) return undefined
  return v.s.every((x) => typeof x === 'number' && Number.isFinite(x)) ? v.s as number[] : undefined
}

export function createSeriesCache (shared: Cache, metrics: Metrics, onError: (err: Error) => void, ttlS = CHUNK_TTL_S): SeriesCache {
  const local = new LRUCache<string, number[]>({ maxSize: SERIES_L1_MAX_SAMPLES, sizeCalculation: (v) => Math.max(1, v.length), ttl: ttlS * 1000 })
  return {
    key: (p) => 'series:v1:' + createHash('sha256')
      .update(JSON.stringify([p.url, p.tenant ?? '', p.query, p.stepMs, p.firstMs, p.lastMs]))
      .digest('base64url').slice(0, 32),
    async get (key, points) {
      const hit = local.get(key)
      metrics.cacheRequests.inc({ cache: 'loki-series-local', result: hit === undefined ? 'miss' : 'hit' })
      if (hit !== undefined && hit.length === points) return hit
      const value = await shared.get(key).catch((err: Error) => { onError(err); return undefined })
      if (value === undefined) return undefined
      const samples = decodeSamples(value, points)
      if (samples === undefined) {
        onError(new Error(`cached series piece ${key} is not ${points} samples; reading it from Loki again`))
        return undefined
      }
      local.set(key, samples)
      return samples
    },
    async set (key, values) {
      local.set(key, values)
      await shared.set(key, JSON.stringify({ v: 1, s: values }), ttlS).catch((err: Error) => onError(err))
    },
    clearLocal: () => local.clear(),
  }
}
