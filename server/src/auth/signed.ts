import crypto from 'node:crypto'

/**
 * Compact HMAC-SHA256 signed values: base64url(json).base64url(mac). Used for
 * login sessions and for Grafana embed tokens; both carry their own expiry.
 */
export function sign (payload: object, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
  const mac = crypto.createHmac('sha256', secret).update(body).digest('base64url')
  return `${body}.${mac}`
}

export function verify<T extends { exp: number }> (value: string, secret: string, now = Date.now()): T | undefined {
  const dot = value.indexOf('.')
  if (dot <= 0 || value.length > 4096) return undefined
  const body = value.slice(0, dot)
  const mac = Buffer.from(value.slice(dot + 1), 'base64url')
  const expected = crypto.createHmac('sha256', secret).update(body).digest()
  if (mac.length !== expected.length || !crypto.timingSafeEqual(mac, expected)) return undefined
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T
    if (typeof payload.exp !== 'number' || payload.exp * 1000 < now) return undefined
    return payload
  } catch {
    return undefined
  }
}
