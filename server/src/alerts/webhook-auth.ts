import crypto from 'node:crypto'
import type { Config } from '../config.js'

export type WebhookAuthState = { open: false, message: string } | { open: true, mode: 'bearer' | 'basic' | 'bearer+basic' | 'unauthenticated' }

const digest = (s: string) => crypto.createHash('sha256').update(s).digest()
/** Constant time whatever the lengths: both sides are hashed first. */
const same = (a: string, b: string) => crypto.timingSafeEqual(digest(a), digest(b))

export function webhookAuthState (c: Config['alerts']): WebhookAuthState {
  const bearer = c.webhookToken !== undefined
  const basic = c.webhookUsername !== undefined && c.webhookPassword !== undefined
  if (bearer && basic) return { open: true, mode: 'bearer+basic' }
  if (bearer) return { open: true, mode: 'bearer' }
  if (basic) return { open: true, mode: 'basic' }
  if (c.allowUnauthenticated) return { open: true, mode: 'unauthenticated' }
  return {
    open: false,
    message: 'The Alertmanager webhook is closed: set ALERT_WEBHOOK_TOKEN (bearer, Alertmanager http_config.authorization) ' +
      'or ALERT_WEBHOOK_USERNAME and ALERT_WEBHOOK_PASSWORD (basic_auth). For a local trial only: ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED=true.',
  }
}

/** undefined when the Authorization header is accepted, else the reason (for a 401). */
export function checkWebhookAuth (c: Config['alerts'], header: string | undefined): string | undefined {
  if (c.webhookToken === undefined && c.webhookUsername === undefined && c.allowUnauthenticated) return undefined
  if (header === undefined) return 'Missing Authorization header: send "Authorization: Bearer <ALERT_WEBHOOK_TOKEN>" or basic auth.'
  const m = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header)
  if (m === null) return 'Unsupported Authorization scheme: use Bearer or Basic.'
  const scheme = m[1]?.toLowerCase()
  const value = m[2] ?? ''
  if (scheme === 'bearer' && c.webhookToken !== undefined && same(value, c.webhookToken)) return undefined
  if (scheme === 'basic' && c.webhookUsername !== undefined && c.webhookPassword !== undefined) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const user = colon < 0 ? decoded : decoded.slice(0, colon)
    const pass = colon < 0 ? '' : decoded.slice(colon + 1)
    // Both compared every time, so timing does not tell which one was wrong.
    const okUser = same(user, c.webhookUsername)
    const okPass = same(pass, c.webhookPassword)
    if (okUser && okPass) return undefined
  }
  return 'The webhook credentials are not valid.'
}
