import type { FastifyRequest } from 'fastify'
import type { Config } from '../config.js'

function originOf (value: string): string | undefined {
  try {
    return new URL(value).origin
  } catch {
    return undefined
  }
}

/**
 * Browsers always send Origin on a WebSocket upgrade, and cookies ride along, so the
 * Origin must be ours (or an allowed Grafana). A client without Origin is not a browser:
 * it must prove itself with a bearer token rather than a cookie.
 */
export function createOriginCheck (config: Config) {
  const allowed = new Set<string>()
  for (const o of [...config.alerts.wsAllowedOrigins, ...config.auth.embedAllowedOrigins, config.publicUrl]) {
    const origin = originOf(o)
    if (origin !== undefined) allowed.add(origin)
  }
  return (request: FastifyRequest): string | undefined => {
    const origin = request.headers.origin
    if (origin === undefined) {
      return request.principal?.via === 'token' ? undefined : 'A client without an Origin header must authenticate with "Authorization: Bearer <token>".'
    }
    const parsed = originOf(origin)
    if (parsed !== undefined && (allowed.has(parsed) || new URL(parsed).host === request.host)) return undefined
    return `Origin ${origin.slice(0, 100)} is not allowed: add it to WS_ALLOWED_ORIGINS.`
  }
}
