import crypto from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Static } from 'typebox'
import { ErrorBody, routePrefix, statusName } from '../infra/http.js'
import fp from 'fastify-plugin'
import { readEmbedToken } from './embed.js'
import { embedAllows } from './embed-policy.js'
import { createSessionStore, type SessionStore } from './session-store.js'
import { sign, verify } from './signed.js'
import { createAuthThrottle, type AuthThrottle } from './throttle.js'
import { createTokenStore, ensureGeneratedAdminToken, loadOrCreateSecret, type Principal, type TokenStore } from './tokens.js'

/**
 * Who may call a route, set per route as `config: { auth }`. Routes under
 * BASE_PATH default to 'viewer'; everything else must say so explicitly.
 * - public: health and metrics
 * - viewer / admin: bearer token or login session (admin implies viewer)
 * - page: like viewer, but an HTML page that redirects to the login page
 * - embed: a page or GET that also accepts a signed embed token (Grafana iframes), for the
 *   calls its panel makes only (embed-policy.ts)
 * - custom: the route authenticates by itself (Alertmanager webhook, scheduling API)
 */
export type AuthLevel = 'public' | 'viewer' | 'admin' | 'page' | 'embed' | 'custom'

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel
  }
  interface FastifyRequest {
    principal: Principal | undefined
    /** Set for an error-rate embed token: the answer carries the chart, not the groups. */
    embedStripGroups: boolean
  }
  interface FastifyInstance {
    auth: {
      tokens: TokenStore
      sessions: SessionStore
      throttle: AuthThrottle
      /** Opens a session in the store and sets its cookies, for a principal that proved a token. */
      startSession: (request: FastifyRequest, reply: FastifyReply, principal: Principal) => Promise<void>
      /** Ends the request's session in the store (every instance) and clears its cookies. */
      endSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
      embedSecret: string
    }
  }
}

export const SESSION_COOKIE = 'tw_session'
export const CSRF_COOKIE = 'tw_csrf'
export const CSRF_HEADER = 'x-tovwatch-csrf'
const SESSION_TTL_S = 12 * 3600
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The cookie names a session in the store; the store says whose it is and whether it is still open. */
interface SessionCookie { sid: string, csrf: string, exp: number }

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest()
/** Constant time whatever the lengths and bytes (a non-ASCII header must not throw). */
const sameText = (a: string, b: string) => crypto.timingSafeEqual(digest(a), digest(b))

/**
 * The hook answers its refusals itself (an onRequest hook that returns the reply stops the
 * request), in the one error body of infra/http.ts with the one table of status names.
 */
const refuse = (reply: FastifyReply, status: number, message: string) =>
  reply.code(status).send({ statusCode: status, error: statusName(status), message } satisfies Static<typeof ErrorBody>)
const unauthorized = (reply: FastifyReply, message: string) =>
  refuse(reply.header('www-authenticate', 'Bearer realm="tovwatch"'), 401, message)
const forbidden = (reply: FastifyReply, message: string) => refuse(reply, 403, message)
const storeDown = (reply: FastifyReply) =>
  refuse(reply, 503, 'The session store (TOVWATCH_DATABASE_URL) does not answer: sessions cannot be checked right now. Bearer tokens still work.')

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
  const base = prefix
  const sessions = createSessionStore(app.deps.pg.store)
  const throttle = await createAuthThrottle(app, app.deps.rateLimitRedis)

  // request.protocol believes X-Forwarded-Proto only from a TRUST_PROXY proxy.
  const secureCookie = (request: FastifyRequest) =>
    config.auth.cookieSecure === 'always' || (config.auth.cookieSecure === 'auto' && request.protocol === 'https')

  function cookieOf (request: FastifyRequest): SessionCookie | undefined {
    const raw = request.cookies[SESSION_COOKIE]
    const c = raw === undefined ? undefined : verify<SessionCookie>(raw, sessionSecret)
    return c !== undefined && typeof c.sid === 'string' && typeof c.csrf === 'string' ? c : undefined
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

  /** The open session behind a cookie, as its token is configured now: undefined when ended, expired or its token removed. */
  async function sessionPrincipal (c: SessionCookie): Promise<Principal | undefined> {
    const row = await sessions.get(c.sid)
    if (row === undefined) return undefined
    const token = tokens.byKey(row.token_key)
    if (token === undefined) return undefined
    return { name: token.name, role: token.role, via: 'session', tokenKey: row.token_key, sessionId: row.id }
  }

  app.decorateRequest('principal', undefined)
  app.decorateRequest('embedStripGroups', false)
  app.decorate('auth', {
    tokens,
    sessions,
    throttle,
    embedSecret,
    async startSession (request, reply, principal) {
      const csrf = crypto.randomBytes(18).toString('base64url')
      const sid = await sessions.create({
        tokenKey: principal.tokenKey ?? '',
        name: principal.name,
        role: principal.role,
        ttlSeconds: SESSION_TTL_S,
        client: request.ip,
        userAgent: request.headers['user-agent'],
      })
      const value = sign({ sid, csrf, exp: Math.floor(Date.now() / 1000) + SESSION_TTL_S } satisfies SessionCookie, sessionSecret)
      const secure = secureCookie(request)
      reply.setCookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure, path: cookiePath, maxAge: SESSION_TTL_S })
      // Readable by the page's script, which echoes it in the CSRF header (double submit).
      reply.setCookie(CSRF_COOKIE, csrf, { httpOnly: false, sameSite: 'strict', secure, path: cookiePath, maxAge: SESSION_TTL_S })
    },
    async endSession (request, reply) {
      const c = cookieOf(request)
      if (c !== undefined) await sessions.end(c.sid, 'logout')
      reply.clearCookie(SESSION_COOKIE, { path: cookiePath })
      reply.clearCookie(CSRF_COOKIE, { path: cookiePath })
    },
  })

  const inBase = (url: string) => prefix === '' || url === prefix || url.startsWith(prefix + '/') || url.startsWith(prefix + '?')

  app.addHook('onRequest', async (request, reply) => {
    const level: AuthLevel | undefined = request.routeOptions.config?.auth ?? (inBase(request.url) ? 'viewer' : undefined)
    if (level === undefined || level === 'public' || level === 'custom') return

    const bearer = bearerOf(request)
    let principal: Principal | undefined
    let session: SessionCookie | undefined
    if (bearer !== undefined) {
      if (await throttle.refuse(request, reply, 'bearer')) return reply
      principal = tokens.verify(bearer)
      if (principal === undefined) {
        await throttle.failed(request, 'bearer')
        return unauthorized(reply, 'The bearer token is not valid.')
      }
    } else if ((session = cookieOf(request)) !== undefined) {
      try {
        principal = await sessionPrincipal(session)
      } catch (err) {
        request.log.warn({ err: { message: (err as Error).message } }, 'session store query failed')
        return storeDown(reply)
      }
      if (principal === undefined && !(level === 'embed' && embedTokenOf(request) !== undefined)) {
        reply.clearCookie(SESSION_COOKIE, { path: cookiePath })
        reply.clearCookie(CSRF_COOKIE, { path: cookiePath })
        if (level === 'page' && SAFE_METHODS.has(request.method)) return reply.redirect(`${base}/login?next=${encodeURIComponent(request.url)}`, 303)
        return unauthorized(reply, 'Your session has ended (logged out, ended by an admin, or its token was removed): log in again.')
      }
    }

    if (principal === undefined && level === 'embed') {
      const t = embedTokenOf(request)
      if (t !== undefined) {
        // Not throttled: a signed token cannot be guessed, and a dashboard left with an expired
        // one would otherwise lock its viewers' address out of logging in.
        const embed = readEmbedToken(t, embedSecret)
        let revoked = false
        if (embed !== undefined) {
          try {
            revoked = await sessions.embedRevoked(embed.id)
          } catch (err) {
            request.log.warn({ err: { message: (err as Error).message } }, 'embed deny list query failed')
            return storeDown(reply)
          }
        }
        if (embed === undefined || revoked) {
          return unauthorized(reply, revoked ? 'This embed token was revoked: mint a new one with npm run embed-url.' : 'The embed token is not valid or has expired.')
        }
        const route = (request.routeOptions.url ?? '').slice(base.length)
        const decision = embedAllows(embed.panel, request.method, route, (request.params ?? {}) as Record<string, string>, (request.query ?? {}) as Record<string, unknown>)
        if (!decision.ok) return refuse(reply, decision.status, decision.message)
        request.embedStripGroups = decision.stripGroups
        principal = { name: 'embed', role: 'viewer', via: 'embed', embed }
      }
    }

    if (principal === undefined) {
      if (level === 'page' && SAFE_METHODS.has(request.method)) {
        return reply.redirect(`${base}/login?next=${encodeURIComponent(request.url)}`, 303)
      }
      return unauthorized(reply, 'Log in, or send "Authorization: Bearer <token>".')
    }
    if (level === 'admin' && principal.role !== 'admin') return forbidden(reply, 'This action needs the admin role.')
    // A session cookie rides along with cross-site requests; a bearer token does not.
    if (principal.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER]
      if (typeof header !== 'string' || session === undefined || !sameText(header, session.csrf)) {
        return forbidden(reply, `Missing or wrong ${CSRF_HEADER} header (CSRF protection).`)
      }
    }
    request.principal = principal
  })

  // The error-rate panel shows the chart only: its token gets no groups, hence no sample lines.
  app.addHook('preSerialization', async (request, _reply, payload) => {
    if (!request.embedStripGroups || payload === null || typeof payload !== 'object' || !('groups' in payload)) return payload
    return { ...payload, groups: [] }
  })
}, { name: 'auth', dependencies: ['@fastify/cookie'], decorators: { fastify: ['config', 'deps'] } })
