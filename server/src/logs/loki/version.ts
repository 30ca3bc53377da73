/**
 * What Loki's version (GET /loki/api/v1/status/buildinfo) decides:
 * - how to write case-insensitive filters. `(?i)` has worked in line filters since
 *   Loki 1.x, but 1.4's filter simplification broke it (fixed in loki#1950, shipped in
 *   1.5) and teams have seen old or proxied Lokis answer 400 to it. Buildinfo itself
 *   only exists since 2.x, so any answer from it (also a source build's "" or
 *   "main-abc123") means inline `(?i)`; no answer means character classes, which
 *   every version accepts;
 * - the query-size limit (budget.ts): 5,120 bytes before 3.0, 131,072 since; a version
 *   that is not major.minor.patch gets the smaller one.
 */
import { queryLimitForVersion, SMALL_QUERY_LIMIT } from './budget.js'
import type { CaseStrategy } from './logql.js'

export function strategyForVersion (version: string | undefined): CaseStrategy {
  if (version === undefined) return 'alternation'
  const m = /^v?(\d+)\.(\d+)/.exec(version)
  if (m === null) return 'inline'
  return Number(m[1]) >= 2 ? 'inline' : 'alternation'
}

export interface VersionInfo {
  strategy: CaseStrategy
  /** Loki's query-size limit for this version, in bytes (queries must be shorter). */
  queryLimit: number
  version: string | undefined
}

export interface VersionProbe {
  info: () => Promise<VersionInfo>
  version: () => string | undefined
}

/**
 * Resolves once (the config's case strategy, or buildinfo for `auto`) and remembers it;
 * a failed probe is retried after a minute instead of sticking.
 */
export function createVersionProbe (mode: 'auto' | CaseStrategy, fetchBuildinfo: () => Promise<{ version?: unknown }>): VersionProbe {
  let version: string | undefined
  let resolved: VersionInfo | undefined
  let pending: Promise<VersionInfo> | undefined
  let failedAt = Number.NEGATIVE_INFINITY
  const fallback = (): VersionInfo => ({ strategy: mode === 'auto' ? 'alternation' : mode, queryLimit: SMALL_QUERY_LIMIT, version: undefined })
  return {
    version: () => version,
    info: async () => {
      if (resolved !== undefined) return resolved
      if (Date.now() - failedAt < 60_000) return fallback()
      pending ??= fetchBuildinfo().then((info) => {
        version = typeof info.version === 'string' ? info.version : undefined
        resolved = { strategy: mode === 'auto' ? strategyForVersion(version ?? '') : mode, queryLimit: queryLimitForVersion(version), version }
        return resolved
      }, () => {
        failedAt = Date.now()
        return fallback()
      }).finally(() => { pending = undefined })
      return await pending
    },
  }
}
