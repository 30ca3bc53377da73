import { sign, verify } from './signed.js'

export const EMBED_PANELS = ['error-rate', 'error-groups', 'connections', 'tables', 'alerts'] as const
export type EmbedPanel = (typeof EMBED_PANELS)[number]

interface EmbedPayload { p: EmbedPanel | '*', exp: number, ro: true }

/**
 * A signed, expiring, read-only token that lets Grafana's iframe load one panel's page, or
 * every panel's page when `panel` is '*' (`npm run embed-url -- all`: the dashboards share one
 * `embed_token` variable across their panels).
 */
export function createEmbedToken (secret: string, panel: EmbedPanel | '*', ttlSeconds: number, now = Date.now()): string {
  return sign({ p: panel, exp: Math.floor(now / 1000) + ttlSeconds, ro: true } satisfies EmbedPayload, secret)
}

/**
 * `panel` is the page being opened; '*' means a read-only API call, which any valid embed
 * token may make (a panel's page calls several APIs). A page needs a token for that panel
 * or an all-panels token.
 */
export function verifyEmbedToken (token: string, secret: string, panel: string): boolean {
  const payload = verify<EmbedPayload>(token, secret)
  return payload !== undefined && payload.ro === true && (payload.p === '*' || panel === '*' || payload.p === panel)
}
