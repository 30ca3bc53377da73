import crypto from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { routePrefix } from '../infra/http.js'
import fp from 'fastify-plugin'
import type { Role } from '../config.js'
import { verifyEmbedToken } from './embed.js'
import { sign, verify } from './signed.js'
import { createTokenStore, ensureGeneratedAdminToken, loadOrCreateSecret, type Principal, type TokenStore } from './tokens.js'

/**
 * Who may call a route, set per route as `config: { auth }`. Routes under
 * BASE_PATH default to 'viewer'; everything else must say so explicitly.
 * - public: health and metrics
 * - viewer / admin: bearer token or login session (admin implies viewer)
 * - page: like viewer, but an HTML page that redirects to the login page
 * - embed: a page or GET that also accepts a signed embed token (Grafana iframes)
 * - custom: the route authenticates by itself (Alertmanager webhook, scheduling API)
 */
export type AuthLevel = 'public' | 'viewer' | 'admin' | 'page' | 'embed' | 'custom'

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel
  }
  interface FastifyRequest {
    principal: Principal | undefined
  }
  interface FastifyInstance {
    auth: {
      tokens: TokenStore
      /** Sets the session and CSRF cookies for a principal that proved a token. */
      startSession: (reply: FastifyReply, principal: Principal) => void
      endSession: (reply: FastifyReply) => void
      /** The principal behind a request (token, session or embed token), or undefined. */
      identify: (request: FastifyRequest) => Principal | undefined
      embedSecret: string
    }
  }
}

export const SESSION_COOKIE = 'tw_session'
export const CSRF_COOKIE = 'tw_csrf'
export const CSRF_HEADER = 'x-tovwatch-csrf'
const SESSION_TTL_S = 12 * 3600
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

interface SessionPayload { n: string, r: Role, csrf: string, exp: number }

export default fp(async (app) => {
  const { config } = app
  const tokens = createTokenStore(config.auth.tokens)
  if (tokens.size() === 0) {
    const generated = ensureGeneratedAdminToken(config.dataDir)
    tokens.add('admin', 'admin', generated.hash)
    if (generated.printOnce !== undefined) {
      // Printed once, to the terminal only: the log file and Loki never see it.
      process.stderr.write(
        `\nTovWatch generated an admin token (shown once, only its hash is kept in ${config.dataDir}):\n\n  ${generated.printOnce}\n\n` +
        'Use it as "Authorization: Bearer <token>" or on the login page. Set TOVWATCH_TOKENS to configure your own.\n\n')
    }
  }
  const sessionSecret = loadOrCreateSecret(config.dataDir, 'session.secret', config.auth.sessionSecret)
  const embedSecret = loadOrCreateSecret(config.dataDir, 'embed.secret', config.auth.embedSecret)
  const prefix = routePrefix(config.basePath)
  const cookiePath = prefix + '/'

  const secureCookie = (request: FastifyRequest) =>
    config.auth.cookieSecure === 'always' || (config.auth.cookieSecure === 'auto' && request.protocol === 'https')

  function sessionOf (request: FastifyRequest): SessionPayload | undefined {
    const raw = request.cookies[SESSION_COOKIE]
    return raw === undefined ? undefined : verify<SessionPayload>(raw, sessionSecret)
  }

  function bearerOf (request: FastifyRequest): string | undefined {
    const h = request.headers.authorization
    if (h === undefined) return undefined
    const m = /^Bearer\s+(\S+)$/i.exec(h)
    return m?.[1]
  }

  function embedTokenOf (request: FastifyRequest): string | undefined {
    const q = (request.query as Record<string, unknown> | undefined)?.embed_token
    if (typeof q === 'string') return q
    const h = request.headers['x-tovwatch-embed']
    return typeof h === 'string' ? h : undefined
  }

  function identify (request: FastifyRequest): Principal | undefined {
    const bearer = bearerOf(request)
    if (bearer !== undefined) return tokens.verify(bearer)
    const s = sessionOf(request)
    if (s !== undefined) return { name: s.n, role: s.r, via: 'session' }
    return undefined
  }

  app.decorateRequest('principal', undefined)
  app.decorate('auth', {
    tokens,
    embedSecret,
    identify,
    startSession (reply, principal) {
      const csrf = crypto.randomBytes(18).toString('base64url')
      const value = sign({ n: principal.name, r: principal.role, csrf, exp: Math.floor(Date.now() / 1000) + SESSION_TTL_S } satisfies SessionPayload, sessionSecret)
      const secure = secureCookie(reply.request)
      reply.setCookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path: cookiePath, maxAge: SESSION_TTL_S })
      // Readable by the page's script, which echoes it in the CSRF header (double submit).
      reply.setCookie(CSRF_COOKIE, csrf, { httpOnly: false, sameSite: 'strict', secure, path: cookiePath, maxAge: SESSION_TTL_S })
    },
    endSession (reply) {
      reply.clearCookie(SESSION_COOKIE, { path: cookiePath })
      reply.clearCookie(CSRF_COOKIE, { path: cookiePath })
    },
  })

  const inBase = (url: string) => prefix === '' || url === prefix || url.startsWith(prefix + '/') || url.startsWith(prefix + '?')

  app.addHook('onRequest', async (request, reply) => {
    const level: AuthLevel | undefined = request.routeOptions.config?.auth ?? (inBase(request.url) ? 'viewer' : undefined)
    if (level === undefined || level === 'public' || level === 'custom') return

    const bearer = bearerOf(request)
    const session = bearer === undefined ? sessionOf(request) : undefined
    let principal: Principal | undefined
    if (bearer !== undefined) principal = tokens.verify(bearer)
    else if (session !== undefined) principal = { name: session.n, role: session.r, via: 'session' }

    if (principal === undefined && level === 'embed' && SAFE_METHODS.has(request.method)) {
      const t = embedTokenOf(request)
      const panel = (request.params as Record<string, string> | undefined)?.panel ?? '*'
      if (t !== undefined && verifyEmbedToken(t, embedSecret, panel)) principal = { name: 'embed', role: 'viewer', via: 'embed' }
    }

    if (principal === undefined) {
      if (level === 'page' && SAFE_METHODS.has(request.method)) {
        return reply.redirect(`${config.basePath}/login?next=${encodeURIComponent(request.url)}`, 303)
      }
      return reply.code(401).header('www-authenticate', 'Bearer realm="tovwatch"')
        .send({ statusCode: 401, error: 'Unauthorized', message: bearer !== undefined ? 'The bearer token is not valid.' : 'Log in, or send "Authorization: Bearer <token>".' })
    }
    if (level === 'admin' && principal.role !== 'admin') {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'This action needs the admin role.' })
    }
    // A session cookie rides along with cross-site requests; a bearer token does not.
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER]
      const ok = typeof header === 'string' && session !== undefined &&
        header.length === session.csrf.length && crypto.timingSafeEqual(Buffer.from(header), Buffer.from(session.csrf))
      if (!ok) {
        return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `Missing or wrong ${CSRF_HEADER} header (CSRF protection).` })
      }
    }
    request.principal = principal
  })
}, { name: 'auth', dependencies: ['@fastify/cookie'], decorators: { fastify: ['config'] } })
