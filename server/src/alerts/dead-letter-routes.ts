import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DeadLettersReply as Reply } from './dead-letter-schemas.js'
import type { DeadLetters } from './dead-letters.js'

const Problem = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() })

/** GET {base}/api/alerts/dead-letters: the webhook alerts that could not be stored as sent, newest first. */
export const deadLetterRoutes: FastifyPluginAsyncTypebox<{ deadLetters: DeadLetters, notReady: () => string }> = async (app, { deadLetters, notReady }) => {
  app.get('/api/alerts/dead-letters', {
    config: { auth: 'viewer' },
    schema: {
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
      }),
      response: { 200: Reply, '4xx': Problem, '5xx': Problem },
    },
  }, async (request) => {
    if (notReady() !== '') throw app.httpErrors.serviceUnavailable(`The alert store is not ready (${notReady()}).`)
    const limit = request.query.limit ?? 50
    const r = await deadLetters.list(limit, request.query.before).catch((err: unknown) => {
      app.log.warn({ err: { message: (err as Error).message } }, 'dead letter query failed')
      throw app.httpErrors.serviceUnavailable('The alert store is unavailable right now.')
    })
    return { ...r, nextBefore: r.deadLetters.length === limit ? (r.deadLetters.at(-1)?.id ?? null) : null }
  })
}
