import type { FastifyReply } from 'fastify'

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/

/**
 * Who may frame the embed pages. Only well-formed origins from EMBED_ALLOWED_ORIGINS are used
 * (anything else could smuggle CSP directives). None configured → 'self': a Grafana served from
 * the same origin (behind the same reverse proxy) works, any other site is refused.
 */
export function frameAncestors (origins: readonly string[]): { value: string, rejected: string[] } {
  const ok = origins.map((o) => o.replace(/\/+$/, '')).filter((o) => ORIGIN.test(o))
  const rejected = origins.filter((o) => !ORIGIN.test(o.replace(/\/+$/, '')))
  return { value: ok.length === 0 ? "'self'" : ok.join(' '), rejected }
}

/**
 * The pages' policy: scripts and styles from our own origin only (Lit's styles are adopted
 * stylesheets and uPlot writes style properties through the CSSOM, both allowed), no plugins,
 * no <base> tricks, forms and fetch/WebSocket to our own origin only.
 */
export function contentSecurityPolicy (ancestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ')
}

/** Headers for an HTML page. Embeds get their frame-ancestors; other pages refuse every frame. */
export function setPageHeaders (reply: FastifyReply, embedAncestors?: string): void {
  reply.header('content-type', 'text/html; charset=utf-8')
  reply.header('cache-control', 'no-store')
  reply.header('content-security-policy', contentSecurityPolicy(embedAncestors ?? "'none'"))
  reply.header('x-content-type-options', 'nosniff')
  // Embed URLs carry a token: never leak it (or any path) in a Referer.
  reply.header('referrer-policy', 'no-referrer')
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()')
  if (embedAncestors === undefined) {
    // X-Frame-Options only where it agrees with frame-ancestors: it has no allow-list form.
    reply.header('x-frame-options', 'DENY')
    reply.header('cross-origin-opener-policy', 'same-origin')
  }
}
