/**
 * Chooses how to write case-insensitive filters. `(?i)` has worked in line filters
 * since Loki 1.x, but 1.4's filter simplification broke it (fixed in loki#1950,
 * shipped in 1.5) and teams have seen old or proxied Lokis answer 400 to it. The
 * buildinfo endpoint itself only exists since 2.x, so: inline for a Loki that
 * reports 2.0 or newer, character classes for anything else or when the version
 * is unknown (classes are slower to match but accepted by every version).
 */
import type { CaseStrategy } from './logql.js'

export function strategyForVersion (version: string | undefined): CaseStrategy {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '')
  if (m === null) return 'alternation'
  return Number(m[1]) >= 2 ? 'inline' : 'alternation'
}

export interface VersionProbe {
  strategy: () => Promise<CaseStrategy>
  version: () => string | undefined
}

/**
 * Resolves the strategy once (the config's choice, or buildinfo for `auto`) and
 * remembers it; a failed probe is retried after a minute instead of sticking.
 */
export function createVersionProbe (mode: 'auto' | CaseStrategy, fetchBuildinfo: () => Promise<{ version?: unknown }>): VersionProbe {
  let version: string | undefined
  let resolved: CaseStrategy | undefined = mode === 'auto' ? undefined : mode
  let pending: Promise<CaseStrategy> | undefined
  let failedAt = 0
  return {
    version: () => version,
    strategy: async () => {
      if (resolved !== undefined) return resolved
      if (Date.now() - failedAt < 60_000) return 'alternation'
      pending ??= fetchBuildinfo().then((info) => {
        version = typeof info.version === 'string' ? info.version : undefined
        resolved = strategyForVersion(version)
        return resolved
      }, () => {
        failedAt = Date.now()
        return 'alternation' as const
      }).finally(() => { pending = undefined })
      return pending
    },
  }
}
