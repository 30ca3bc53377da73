import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { CLOSE_STORE_DOWN, type Hub } from './hub.js'
import type { AlertMetrics } from './metrics.js'
import { createOriginCheck } from './origin.js'

/** GET {base}/api/alerts/stream (under the BASE_PATH prefix): WebSocket; snapshot (or replay after ?lastEventId=N), then live events. */
export const streamRoutes: FastifyPluginAsyncTypebox<{ metrics: AlertMetrics, hub: () => Hub | undefined }> = async (app, { metrics, hub }) => {
  const originProblem = createOriginCheck(app.config)
  app.get('/api/alerts/stream', {
    websocket: true,
    config: { auth: 'embed' },
    schema: {
      querystring: Type.Object({
        lastEventId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
        embed_token: Type.Optional(Type.String()),
      }),
      response: errorResponses(400, ...AUTH_ERRORS),
    },
    preValidation: async (request) => {
      const problem = originProblem(request)
      if (problem !== undefined) {
        metrics.wsDisconnects.inc({ reason: 'origin' })
        throw app.httpErrors.forbidden(problem)
      }
      // The handshake that follows (about 1 ms) takes its turn: 500 clients connecting at once are let
      // through a slice at a time, with webhooks handled in between, not all in one go.
      await hub()?.turn()
    },
  }, (socket, request) => {
    const h = hub()
    if (h === undefined) {
      socket.close(CLOSE_STORE_DOWN, 'alert store not ready: reconnect later')
      return
    }
    const raw = request.query.lastEventId
    // The upgraded request's socket is the one ws writes to: corked per batch of events.
    h.connect(socket, raw === undefined ? undefined : Number(raw), request.raw.socket, request.principal?.via === 'embed')
  })
}
