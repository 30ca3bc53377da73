import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pipeline } from './pipeline.js'
import { checkWebhookAuth, webhookAuthState } from './webhook-auth.js'
import { webhookInputs } from './webhook-input.js'
import { Problem, WebhookBody, WebhookReply } from './webhook-schema.js'

/**
 * POST {base}/api/alerts/webhook (under the BASE_PATH prefix): Alertmanager's receiver. Status codes follow what
 * Alertmanager does with them: 4xx (bad input, bad credentials) is never retried,
 * 5xx is, so 503 means "not stored, send it again" and 200 means "committed".
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ pipeline: () => Pipeline | undefined, notReady: () => string }> = async (app, { pipeline, notReady }) => {
  const { config } = app
  const state = webhookAuthState(config.alerts)
  app.post('/api/alerts/webhook', {
    config: { auth: 'custom' },
    bodyLimit: config.alerts.webhookBodyLimitBytes,
    schema: { body: WebhookBody, response: { 200: WebhookReply, '4xx': Problem, '5xx': Problem } },
    // Before the body is read: a closed or unauthenticated receiver never parses anything.
    onRequest: async (request, reply) => {
      if (!state.open) throw app.httpErrors.serviceUnavailable(state.message)
      const problem = checkWebhookAuth(config.alerts, request.headers.authorization)
      if (problem !== undefined) {
        reply.header('www-authenticate', 'Bearer realm="tovwatch-alerts"')
        throw app.httpErrors.unauthorized(problem)
      }
    },
  }, async (request) => {
    const inputs = webhookInputs(request.body)
    if ((request.body.truncatedAlerts ?? 0) > 0) {
      request.log.warn({ truncatedAlerts: request.body.truncatedAlerts, groupKey: request.body.groupKey }, 'Alertmanager left alerts out of this webhook (max_alerts); they are not stored')
    }
    const p = pipeline()
    if (p === undefined) throw app.httpErrors.serviceUnavailable(`The alert store is not ready (${notReady()}); Alertmanager will retry.`)
    let stored: number
    try {
      stored = (await p.ingest(inputs, 'alertmanager')).length
    } catch (err) {
      request.log.error({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'alert store write failed')
      throw app.httpErrors.serviceUnavailable('The alert store is unavailable; nothing was stored and Alertmanager will retry.')
    }
    return { status: 'ok' as const, received: inputs.length, stored, truncatedAlerts: request.body.truncatedAlerts ?? 0 }
  })
}
