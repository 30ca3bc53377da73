import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { Me } from './schemas.js'

/** Login with a token (opens a session in the store, sets an httpOnly cookie), logout, and who am I. Registered under the BASE_PATH prefix. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const STORE_DOWN = 'The session store (TOVWATCH_DATABASE_URL) does not answer: try again shortly, or use a bearer token.'

  app.post('/api/login', {
    config: { auth: 'public' },
    bodyLimit: 4096,
    schema: {
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
      response: { 200: Me, ...errorResponses(400, 401, 413, 429, 503) },
    },
  }, async (request, reply) => {
    if (await app.auth.throttle.refuse(request, reply, 'login')) return reply
    const principal = app.auth.tokens.verify(request.body.token)
    if (principal === undefined) {
      await app.auth.throttle.failed(request, 'login')
      request.log.warn({ event: 'login_failed' }, 'login with an unknown token')
      throw app.httpErrors.unauthorized('That token is not valid.')
    }
    try {
      await app.auth.startSession(request, reply, principal)
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'session store unavailable: login refused')
      throw app.httpErrors.serviceUnavailable(STORE_DOWN)
    }
    request.log.info({ event: 'login', user: principal.name }, 'logged in')
    return { name: principal.name, role: principal.role, via: 'session' }
  })

  app.post('/api/logout', { config: { auth: 'public' }, schema: { response: { 204: Type.Null(), ...errorResponses(503) } } }, async (request, reply) => {
    try {
      await app.auth.endSession(request, reply)
    } catch (err) {
      // The cookie must not outlive a logout the store did not record: say so, so the user knows.
      request.log.warn({ err: { message: (err as Error).message } }, 'session store unavailable: logout not recorded')
      throw app.httpErrors.serviceUnavailable('The session store does not answer, so the logout was not recorded: try again.')
    }
    return reply.code(204).send(null)
  })

  app.get('/api/me', { config: { auth: 'embed' }, schema: { response: { 200: Me, ...errorResponses(...AUTH_ERRORS) } } }, async (request) => {
    const p = request.principal
    if (p === undefined) throw app.httpErrors.unauthorized()
    return { name: p.name, role: p.role, via: p.via }
  })
}

export default authRoutes
