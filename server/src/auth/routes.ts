import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const Me = Type.Object({ name: Type.String(), role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]), via: Type.String() })
const ErrorBody = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() })

/** Login with a token (sets an httpOnly session cookie), logout, and who am I. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app
  const base = config.basePath === '/' ? '' : config.basePath

  app.post(`${base}/api/login`, {
    config: { auth: 'public' },
    bodyLimit: 4096,
    schema: {
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
      response: { 200: Me, 401: ErrorBody },
    },
  }, async (request, reply) => {
    const principal = app.auth.tokens.verify(request.body.token)
    if (principal === undefined) {
      request.log.warn({ event: 'login_failed' }, 'login with an unknown token')
      return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'That token is not valid.' })
    }
    app.auth.startSession(reply, principal)
    request.log.info({ event: 'login', user: principal.name }, 'logged in')
    return { name: principal.name, role: principal.role, via: 'session' }
  })

  app.post(`${base}/api/logout`, { config: { auth: 'public' }, schema: { response: { 204: Type.Null() } } }, async (_request, reply) => {
    app.auth.endSession(reply)
    return reply.code(204).send(null)
  })

  app.get(`${base}/api/me`, { config: { auth: 'embed' }, schema: { response: { 200: Me } } }, async (request) => {
    const p = request.principal
    if (p === undefined) throw app.httpErrors.unauthorized()
    return { name: p.name, role: p.role, via: p.via }
  })
}

export default authRoutes
