import type { EmbedPanel } from './embed.js'

/**
 * What an embed token may call: exactly the requests its panel's page makes, with the
 * panel's parameters. A token is handed to Grafana and ends up in dashboards' JSON and
 * browser histories, so it must not open a free log search, raw samples, the alert history
 * beyond what the panel lists, or anything that writes.
 */
interface Call {
  /** Route path below BASE_PATH, as registered. */
  url: string
  /** Query parameters the panel sends; anything else is refused. */
  query: readonly string[]
  /** Checks the values; returns the problem, if any. */
  check?: (q: Record<string, unknown>) => string | undefined
}

const PANEL_LIMIT = { errors: 100, alerts: 200 }

const limitAtMost = (max: number) => (q: Record<string, unknown>) => {
  const raw = q.limit
  if (raw === undefined) return undefined
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1 && n <= max ? undefined : `limit must be at most ${max} with an embed token`
}

const CALLS = {
  page: { url: '/embed/:panel', query: ['embed_token'] },
  me: { url: '/api/me', query: ['embed_token'] },
  errors: {
    url: '/api/errors',
    query: ['range', 'start', 'end', 'minSeverity', 'limit', 'embed_token'],
    check: limitAtMost(PANEL_LIMIT.errors),
  },
  database: { url: '/api/database', query: ['embed_token'] },
  connections: { url: '/api/connections', query: ['embed_token'] },
  alerts: { url: '/api/alerts', query: ['state', 'severity', 'limit', 'cursor', 'embed_token'], check: limitAtMost(PANEL_LIMIT.alerts) },
  alert: { url: '/api/alerts/:id', query: ['embed_token'] },
  stream: { url: '/api/alerts/stream', query: ['lastEventId', 'embed_token'] },
} satisfies Record<string, Call>

type CallName = keyof typeof CALLS

const PANEL_CALLS: Record<EmbedPanel, readonly CallName[]> = {
  'error-rate': ['page', 'me', 'errors'],
  'error-groups': ['page', 'me', 'errors'],
  connections: ['page', 'me', 'connections'],
  tables: ['page', 'me', 'database'],
  alerts: ['page', 'me', 'alerts', 'alert', 'stream'],
}

export type EmbedDecision = { ok: true, stripGroups: boolean } | { ok: false, status: 403 | 400, message: string }

/**
 * Whether an embed token for `panel` ('*': every panel) may make this request. `route` is the
 * matched route's path below BASE_PATH, `params` its path parameters.
 */
export function embedAllows (panel: EmbedPanel | '*', method: string, route: string, params: Record<string, string>, query: Record<string, unknown>): EmbedDecision {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 403, message: 'An embed token is read-only.' }
  const names = panel === '*' ? [...new Set(Object.values(PANEL_CALLS).flat())] : PANEL_CALLS[panel]
  const name = names.find((n) => CALLS[n].url === route)
  if (name === undefined) return { ok: false, status: 403, message: `This embed token does not open ${route}: it opens only what its panel (${panel === '*' ? 'any panel' : panel}) shows.` }
  if (name === 'page' && panel !== '*' && params.panel !== panel) return { ok: false, status: 403, message: `This embed token opens the ${panel} panel only.` }
  const call: Call = CALLS[name]
  const extra = Object.keys(query).filter((k) => !call.query.includes(k))
  if (extra.length > 0) {
    const what = extra.includes('q') ? 'search (q)' : `the parameter${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((k) => k.slice(0, 40)).join(', ')}`
    return { ok: false, status: 403, message: `An embed token cannot use ${what} here: it shows what its panel shows.` }
  }
  const problem = call.check?.(query)
  if (problem !== undefined) return { ok: false, status: 403, message: problem }
  // The error-rate panel draws the chart only: no groups, so no sample lines, for its token.
  return { ok: true, stripGroups: name === 'errors' && panel === 'error-rate' }
}
