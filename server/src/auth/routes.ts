import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'

const Me = Type.Object({ name: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]), via: Type.String() })

/** Login with a token (sets an httpOnly session cookie), logout, and who am I. Registered under the BASE_PATH prefix. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/login', {
    config: { auth: 'public' },
    bodyLimit: 4096,
    schema: {
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
      response: { 200: Me, ...errorResponses(400, 401, 413) },
    },
  }, async (request, reply) => {
    const principal = app.auth.tokens.verify(request.body.token)
    if (principal === undefined) {
      request.log.warn({ event: 'login_failed' }, 'login with an unknown token')
      throw app.httpErrors.unauthorized('That token is not valid.')
    }
    app.auth.startSession(reply, principal)
    request.log.info({ event: 'login', user: principal.name }, 'logged in')
    return { name: principal.name, role: principal.role, via: 'session' }
  })

  app.post('/api/logout', { config: { auth: 'public' }, schema: { response: { 204: Type.Null() } } }, async (_request, reply) => {
    app.auth.endSession(reply)
    return reply.code(204).send(null)
  })

  app.get('/api/me', { config: { auth: 'embed' }, schema: { response: { 200: Me, ...errorResponses(...AUTH_ERRORS) } } }, async (request) => {
    const p = request.principal
    if (p === undefined) throw app.httpErrors.unauthorized()
    return { name: p.name, role: p.role, via: p.via }
  })
}

export default authRoutes
