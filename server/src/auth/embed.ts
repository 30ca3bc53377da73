import crypto from 'node:crypto'
import { sign, verify } from './signed.js'

export const EMBED_PANELS = ['error-rate', 'error-groups', 'connections', 'tables', 'alerts'] as const
export type EmbedPanel = (typeof EMBED_PANELS)[number]

interface EmbedPayload { p: EmbedPanel | '*', exp: number, ro: true, id: string }

/** An embed token's id: what the deny list holds (DELETE {base}/api/embed-tokens/:id). */
export const EMBED_ID = /^[A-Za-z0-9_-]{16,32}$/

/**
 * A signed, expiring, read-only token that lets Grafana's iframe load one panel (and make
 * that panel's API calls), or every panel when `panel` is '*' (`npm run embed-url -- all`:
 * the dashboards share one `embed_token` variable across their panels). Its id lets an admin
 * revoke it without rotating EMBED_SECRET.
 */
export function mintEmbedToken (secret: string, panel: EmbedPanel | '*', ttlSeconds: number, now = Date.now()): { token: string, id: string } {
  const id = crypto.randomBytes(12).toString('base64url')
  return { token: sign({ p: panel, exp: Math.floor(now / 1000) + ttlSeconds, ro: true, id } satisfies EmbedPayload, secret), id }
}

/**
 * The panel ('*' for all) and id of a valid embed token, or undefined. Tokens without an id
 * (minted before they could be revoked) are refused: mint them again with npm run embed-url.
 */
export function readEmbedToken (token: string, secret: string): { panel: EmbedPanel | '*', id: string } | undefined {
  const payload = verify<EmbedPayload>(token, secret)
  if (payload === undefined || payload.ro !== true || typeof payload.id !== 'string' || !EMBED_ID.test(payload.id)) return undefined
  if (payload.p !== '*' && !(EMBED_PANELS as readonly string[]).includes(payload.p)) return undefined
  return { panel: payload.p, id: payload.id }
}

/** The token alone (tests and callers that need no id). */
export function createEmbedToken (secret: string, panel: EmbedPanel | '*', ttlSeconds: number, now = Date.now()): string {
  return mintEmbedToken(secret, panel, ttlSeconds, now).token
}

/** Whether the token opens `panel`'s page ('*': the token is valid for some panel). Revocation is checked by the server. */
export function verifyEmbedToken (token: string, secret: string, panel: string): boolean {
  const t = readEmbedToken(token, secret)
  return t !== undefined && (t.panel === '*' || panel === '*' || t.panel === panel)
}
