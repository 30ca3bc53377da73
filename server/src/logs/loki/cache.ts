/**
 * Closed chunks are immutable, so their complete results are cached: in process
 * (decoded, for the instance that fetched them) and in the shared Cache (Redis or
 * LRU) for other instances and restarts. Values are compact JSON (labels once,
 * timestamps as deltas) deflated and base64-encoded; a chunk whose value would
 * exceed MAX_VALUE_BYTES is not cached (it is re-read from Loki) so one noisy
 * chunk cannot fill Redis.
 */
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { LRUCache } from 'lru-cache'
import type { Cache } from '../../infra/redis.js'
import type { Metrics } from '../../metrics/registry.js'
import type { LogEntry } from '../source.js'

/** Default of LOKI_CACHE_TTL_S: how long a closed chunk is trusted (late-ingested lines older than the lag appear after this). */
export const CHUNK_TTL_S = 6 * 3600
/** The largest value written to the shared cache; a bigger chunk stays in process only. */
export const MAX_VALUE_BYTES = 4 * 1024 * 1024
/** Decoded entries kept in process across all chunks (about 100 MB of typical lines). */
export const L1_MAX_ENTRIES = 300_000

const deflate = promisify(zlib.deflateRaw)
const inflate = promisify(zlib.inflateRaw)

interface Packed { v: 1, b: string, l: Array<Record<string, string>>, d: number[], s: number[], x: string[] }

export async function encodeEntries (entries: LogEntry[]): Promise<string> {
  const base = entries.reduce<bigint | undefined>((m, e) => (m === undefined || e.tsNs < m ? e.tsNs : m), undefined) ?? 0n
  const labelIndex = new Map<Record<string, string>, number>()
  const packed: Packed = { v: 1, b: String(base), l: [], d: [], s: [], x: [] }
  for (const e of entries) {
    let i = labelIndex.get(e.labels)
    if (i === undefined) {
      i = packed.l.length
      labelIndex.set(e.labels, i)
      packed.l.push(e.labels)
    }
    packed.d.push(Number(e.tsNs - base))
    packed.s.push(i)
    packed.x.push(e.line)
  }
  const z = await deflate(Buffer.from(JSON.stringify(packed)), { level: 1 })
  return z.toString('base64')
}

export async function decodeEntries (value: string): Promise<LogEntry[]> {
  const packed = JSON.parse((await inflate(Buffer.from(value, 'base64'))).toString()) as Packed
  if (packed.v !== 1) throw new Error('unknown cache format')
  const base = BigInt(packed.b)
  return packed.x.map((line, k) => ({ tsNs: base + BigInt(packed.d[k] as number), labels: packed.l[packed.s[k] as number] as Record<string, string>, line }))
}

export interface ChunkCache {
  key: (parts: { url: string, tenant: string | undefined, query: string, startNs: bigint, endNs: bigint }) => string
  get: (key: string) => Promise<LogEntry[] | undefined>
  set: (key: string, entries: LogEntry[]) => Promise<void>
  clearLocal: () => void
}

export function createChunkCache (shared: Cache, metrics: Metrics, onError: (err: Error) => void, ttlS = CHUNK_TTL_S): ChunkCache {
  const local = new LRUCache<string, LogEntry[]>({ maxSize: L1_MAX_ENTRIES, sizeCalculation: (v) => Math.max(1, v.length), ttl: ttlS * 1000 })
  return {
    key: (p) => 'chunk:v1:' + createHash('sha256').update(JSON.stringify([p.url, p.tenant ?? '', p.query, String(p.startNs), String(p.endNs)])).digest('base64url').slice(0, 32),
    async get (key) {
      const hit = local.get(key)
      metrics.cacheRequests.inc({ cache: 'loki-local', result: hit === undefined ? 'miss' : 'hit' })
      if (hit !== undefined) return hit
      const value = await shared.get(key).catch((err: Error) => { onError(err); return undefined })
      if (value === undefined) return undefined
      try {
        const entries = await decodeEntries(value)
        if (entries.length <= L1_MAX_ENTRIES) local.set(key, entries)
        return entries
      } catch (err) {
        onError(err as Error)
        return undefined
      }
    },
    async set (key, entries) {
      if (entries.length <= L1_MAX_ENTRIES) local.set(key, entries)
      const value = await encodeEntries(entries)
      if (value.length > MAX_VALUE_BYTES) return
      await shared.set(key, value, ttlS).catch((err: Error) => onError(err))
    },
    clearLocal: () => local.clear(),
  }
}
