import type { Kv } from './kv.js'

/** The scheduling core's tables: watched by default when they exist. */
export const CORE_TABLES = ['players', 'games', 'player_games', 'friendships', 'availability_windows', 'availability_exceptions',
  'session_requests', 'sessions', 'audit_log', 'api_tokens', 'idempotency_keys']
/** TovPlay's legacy user tables: the 22 → 0 incident happened to "User". Watched too when they exist. */
export const LEGACY_TABLES = ['User', 'users']

const TTL_S = 30 * 86_400

/**
 * Which tables must exist. WATCHED_TABLES is taken as given. The default is the
 * core tables that exist, and once one has been seen it stays required (kept in
 * the cache, so a restart remembers it): a dropped table is missing, not unwatched.
 */
export function createWatchedSet (explicit: string[] | undefined, cache: Pick<Kv, 'get' | 'set'>, cacheKey: string) {
  const normalize = (k: string) => k.startsWith('public.') ? k.slice('public.'.length) : k
  const required = explicit?.map(normalize)
  const seen = new Set<string>()
  let dirty = false
  return {
    explicit: required !== undefined,
    async load (): Promise<void> {
      if (required !== undefined) return
      const raw = await cache.get(cacheKey).catch(() => undefined)
      if (raw === undefined) return
      try {
        for (const k of JSON.parse(raw) as unknown[]) if (typeof k === 'string' && [...CORE_TABLES, ...LEGACY_TABLES].includes(k)) seen.add(k)
      } catch { /* a corrupt entry is rebuilt from the next probe */ }
    },
    resolve (present: string[]): Set<string> {
      if (required !== undefined) return new Set(required)
      const have = new Set(present)
      for (const k of [...CORE_TABLES, ...LEGACY_TABLES]) {
        if (have.has(k) && !seen.has(k)) { seen.add(k); dirty = true }
      }
      return new Set(seen)
    },
    async save (): Promise<void> {
      if (!dirty) return
      dirty = false
      await cache.set(cacheKey, JSON.stringify([...seen]), TTL_S).catch(() => { dirty = true })
    },
    /** Forget a table for good (admin reset of a "missing" guard for a table that was retired). */
    forget (k: string) { if (seen.delete(k)) dirty = true },
  }
}
