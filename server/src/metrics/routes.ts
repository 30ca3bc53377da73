import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

/** GET /metrics for Prometheus: public, like health, so scrapes need no token. */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/metrics', { config: { auth: 'public' }, logLevel: 'warn' }, async (_request, reply) => {
    const body = await app.metrics.registry.metrics()
    return reply.type(app.metrics.registry.contentType).send(body)
  })
}

export default fp(metricsRoutes, { name: 'metrics-routes' })
