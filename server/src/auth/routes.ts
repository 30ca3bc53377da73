import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Config } from '../config.js'

const Me = Type.Object({ name: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]), via: Type.String() })
const ErrorBody = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() })

/** Login with a token (opens a session in the store, sets an httpOnly cookie), logout, and who am I. */
const authRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const base = config.basePath === '/' ? '' : config.basePath
  const storeDown = { statusCode: 503, error: 'Service Unavailable', message: 'The session store (TOVWATCH_DATABASE_URL) does not answer: try again shortly, or use a bearer token.' }

  app.post(`${base}/api/login`, {
    config: { auth: 'public' },
    bodyLimit: 4096,
    schema: {
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
      response: { 200: Me, 401: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    if (await app.auth.throttle.refuse(request, reply, 'login')) return reply
    const principal = app.auth.tokens.verify(request.body.token)
    if (principal === undefined) {
      await app.auth.throttle.failed(request, 'login')
      request.log.warn({ event: 'login_failed' }, 'login with an unknown token')
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'That token is not valid.' })
    }
    try {
      await app.auth.startSession(request, reply, principal)
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'session store unavailable: login refused')
      return reply.code(503).send(storeDown)
    }
    request.log.info({ event: 'login', user: principal.name }, 'logged in')
    return { name: principal.name, role: principal.role, via: 'session' }
  })

  app.post(`${base}/api/logout`, { config: { auth: 'public' }, schema: { response: { 204: Type.Null(), 503: ErrorBody } } }, async (request, reply) => {
    try {
      await app.auth.endSession(request, reply)
    } catch (err) {
      // The cookie must not outlive a logout the store did not record: say so, so the user knows.
      request.log.warn({ err: { message: (err as Error).message } }, 'session store unavailable: logout not recorded')
      return reply.code(503).send({ ...storeDown, message: 'The session store does not answer, so the logout was not recorded: try again.' })
    }
    return reply.code(204).send(null)
  })

  app.get(`${base}/api/me`, { config: { auth: 'embed' }, schema: { response: { 200: Me } } }, async (request) => {
    const p = request.principal
    if (p === undefined) throw app.httpErrors.unauthorized()
    return { name: p.name, role: p.role, via: p.via }
  })
}

export default authRoutes
