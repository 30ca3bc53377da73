import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { statusName } from '../../infra/http.js'
import type { SchedContext } from '../context.js'
import { fromPgError, SchedError } from '../errors.js'
import { looksLikePlayerToken, playerFromToken } from '../tokens.js'
import { auditRoutes } from './audit.js'
import { availabilityRoutes } from './availability.js'
import { exceptionRoutes } from './exceptions.js'
import { windowRoutes } from './windows.js'
import { friendRoutes } from './friends.js'
import { gameRoutes } from './games.js'
import { playerRoutes } from './players.js'
import { requestRoutes } from './requests.js'
import { sessionRoutes } from './sessions.js'
import { tokenRoutes } from './tokens.js'

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * The scheduling API under /api/ (not under BASE_PATH: TovPlay's front end calls it).
 * Its own context: its own auth (player tokens or a TovWatch admin token) and an error
 * handler that turns rule violations, including PostgreSQL's, into 4xx answers.
 */
export const schedulingApi: FastifyPluginAsyncTypebox<{ ctx: SchedContext, writeRoutes: string[] }> = async (app, { ctx, writeRoutes }) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: 'custom' }
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const m of methods) if (WRITE_METHODS.has(m) && route.url.startsWith('/api/')) writeRoutes.push(`${m} ${route.url}`)
  })

  app.setErrorHandler((err, request, reply) => {
    const mapped = err instanceof SchedError ? err : fromPgError(err)
    if (mapped === undefined) throw err
    const reason = mapped.reason ?? (typeof mapped.details.reason === 'string' ? mapped.details.reason as SchedError['reason'] : undefined)
    if (reason !== undefined) ctx.metrics.conflicts.inc({ reason })
    request.log.info({ err: { message: mapped.message, code: (err as { code?: string }).code }, statusCode: mapped.statusCode, reason }, 'scheduling request refused')
    if (mapped.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="tovplay"')
    return reply.code(mapped.statusCode).send({ ...mapped.details, ...(reason !== undefined ? { reason } : {}), statusCode: mapped.statusCode, error: statusName(mapped.statusCode), message: mapped.message })
  })

  app.decorateRequest('schedCaller', undefined)
  app.addHook('onRequest', async (request, reply) => {
    if (!ctx.state.ready) {
      throw new SchedError(503, `The scheduling core is not ready: ${ctx.state.error ?? 'its migrations are running'}.`)
    }
    const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')
    if (m === null) throw new SchedError(401, 'Send "Authorization: Bearer <token>" with your personal API token.')
    const token = m[1] as string
    // Guessing tokens here is throttled like everywhere else (auth/throttle.ts).
    if (await app.auth.throttle.refuse(request, reply, 'bearer')) return reply
    const failed = async (err: SchedError) => {
      if (err.statusCode === 401) await app.auth.throttle.failed(request, 'bearer')
      throw err
    }
    if (looksLikePlayerToken(token)) {
      request.schedCaller = await playerFromToken(ctx.pool, ctx.tokenCache, token).catch((err: unknown) => err instanceof SchedError ? failed(err) : Promise.reject(err))
      return
    }
    const principal = app.auth.tokens.verify(token)
    if (principal?.role === 'admin') request.schedCaller = { kind: 'admin', name: principal.name }
    else if (principal !== undefined) throw new SchedError(403, 'A TovWatch viewer token cannot use the scheduling API.')
    else await failed(new SchedError(401, 'The bearer token is not valid.'))
  })

  const opts = { ctx }
  await app.register(playerRoutes, opts)
  await app.register(tokenRoutes, opts)
  await app.register(gameRoutes, opts)
  await app.register(friendRoutes, opts)
  await app.register(windowRoutes, opts)
  await app.register(exceptionRoutes, opts)
  await app.register(availabilityRoutes, opts)
  await app.register(requestRoutes, opts)
  await app.register(sessionRoutes, opts)
  await app.register(auditRoutes, opts)
}
