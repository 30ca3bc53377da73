/**
 * Loki's own limits from its `/config` endpoint (YAML, exposed by default on the HTTP
 * port), for what the environment does not state: split_queries_by_interval,
 * max_query_parallelism, max_outstanding_per_tenant (frontend, or the query scheduler's
 * max_outstanding_requests_per_tenant) and max_entries_limit_per_query. Anything
 * missing or unreadable stays undefined: the caller keeps its defaults.
 */
import { parse } from 'yaml'

export interface LokiLimits {
  splitIntervalS?: number
  maxQueryParallelism?: number
  maxOutstanding?: number
  maxEntries?: number
}

/** A Go duration ("1h", "30m0s", "1h30m", "90s") in whole seconds, or undefined. */
export function goDurationS (v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(v)) return undefined
  let s = 0
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    const n = Number(m[1])
    s += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : 0
  }
  return s >= 1 ? Math.round(s) : undefined
}

const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined

export function parseLokiConfig (text: string): LokiLimits {
  let doc: unknown
  try {
    doc = parse(text)
  } catch {
    return {}
  }
  if (doc === null || typeof doc !== 'object') return {}
  const get = (section: string, key: string) => ((doc as Record<string, unknown>)[section] as Record<string, unknown> | undefined)?.[key]
  const outstanding = [positive(get('frontend', 'max_outstanding_per_tenant')), positive(get('query_scheduler', 'max_outstanding_requests_per_tenant'))]
    .filter((n): n is number => n !== undefined)
  const out: LokiLimits = {}
  const split = goDurationS(get('limits_config', 'split_queries_by_interval')) ?? goDurationS(get('query_range', 'split_queries_by_interval'))
  if (split !== undefined) out.splitIntervalS = split
  const par = positive(get('limits_config', 'max_query_parallelism'))
  if (par !== undefined) out.maxQueryParallelism = par
  if (outstanding.length > 0) out.maxOutstanding = Math.min(...outstanding)
  const entries = positive(get('limits_config', 'max_entries_limit_per_query'))
  if (entries !== undefined) out.maxEntries = entries
  return out
}
