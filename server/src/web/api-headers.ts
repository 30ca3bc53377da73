import type { FastifyReply, FastifyRequest } from 'fastify'

const HSTS = 'max-age=31536000; includeSubDomains'

/**
 * Headers every answer gets, set by hand rather than by @fastify/helmet: helmet's defaults
 * (X-Frame-Options: SAMEORIGIN, a CSP of its own, COEP) would undo the pages' own policy
 * (web/headers.ts), which lets EMBED_ALLOWED_ORIGINS frame the embeds.
 * - JSON is never cached (it holds who is logged in, alerts, connection details) nor sniffed;
 * - HSTS only when the request really came over https: TLS here, or X-Forwarded-Proto from a
 *   proxy TRUST_PROXY names (request.protocol believes nobody else).
 */
export function setApiHeaders (request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff')
  const type = reply.getHeader('content-type')
  if (typeof type === 'string' && type.startsWith('application/json')) reply.header('cache-control', 'no-store')
  if (request.protocol === 'https') reply.header('strict-transport-security', HSTS)
}
