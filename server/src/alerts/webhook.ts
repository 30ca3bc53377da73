import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pipeline } from './pipeline.js'
import type { Rejections } from './rejections.js'
import { safeWrite } from './safe-write.js'
import { checkWebhookAuth, webhookAuthState } from './webhook-auth.js'
import { webhookInputs } from './webhook-input.js'
import { Problem, WebhookBody, WebhookReply } from './webhook-schema.js'

const SHOWN_REJECTIONS = 20

interface Options { pipeline: () => Pipeline | undefined, rejections: Rejections, notReady: () => string }

/**
 * POST {base}/api/alerts/webhook (under the BASE_PATH prefix): Alertmanager's receiver. Status codes follow what
 * Alertmanager does with them: 4xx (bad input, bad credentials) is never retried,
 * 5xx is, so 503 means "not stored, send it again" and 200 means "committed".
 * A bad alert never holds back the others: it is kept as a dead letter with the reason,
 * and 503 is kept for faults a retry can cure (the store unreachable, its pool exhausted).
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { pipeline, rejections, notReady }) => {
  const { config } = app
  const state = webhookAuthState(config.alerts)
  app.post('/api/alerts/webhook', {
    config: { auth: 'custom' },
    bodyLimit: config.alerts.webhookBodyLimitBytes,
    schema: { body: WebhookBody, response: { 200: WebhookReply, '4xx': Problem, '5xx': Problem } },
    // Before the body is read: a closed or unauthenticated receiver never parses anything.
    onRequest: async (request, reply) => {
      if (!state.open) throw app.httpErrors.serviceUnavailable(state.message)
      if (state.mode !== 'unauthenticated' && await app.auth.throttle.refuse(request, reply, 'webhook')) return reply
      const problem = checkWebhookAuth(config.alerts, request.headers.authorization)
      if (problem !== undefined) {
        await app.auth.throttle.failed(request, 'webhook')
        reply.header('www-authenticate', 'Bearer realm="tovwatch-alerts"')
        throw app.httpErrors.unauthorized(problem)
      }
    },
  }, async (request) => {
    const body = request.body
    const inputs = webhookInputs(body, config.alerts.limits)
    if ((body.truncatedAlerts ?? 0) > 0) {
      request.log.warn({ truncatedAlerts: body.truncatedAlerts, groupKey: body.groupKey }, 'Alertmanager left alerts out of this webhook (max_alerts); they are not stored')
    }
    const p = pipeline()
    if (p === undefined) throw app.httpErrors.serviceUnavailable(`The alert store is not ready (${notReady()}); Alertmanager will retry.`)
    let stored: number
    let rejected = inputs.rejected
    try {
      const r = await safeWrite((batch) => p.ingest(batch, 'alertmanager'), inputs.accepted.map((x) => ({ ...x, raw: body.alerts[x.index] })))
      stored = r.events.length
      rejected = [...rejected, ...r.refused].sort((a, b) => a.index - b.index)
      await rejections.record(rejected)
    } catch (err) {
      request.log.error({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'alert store write failed')
      throw app.httpErrors.serviceUnavailable('The alert store is unavailable; Alertmanager will retry (alerts already stored are not duplicated).')
    }
    if (rejected.length > 0 && rejected.length === body.alerts.length) {
      // Nothing storable: a 4xx, which Alertmanager logs and does not retry; the alerts are kept as dead letters.
      const first = rejected[0]?.message ?? ''
      throw app.httpErrors.unprocessableEntity(`No alert could be stored as sent; ${rejected.length} kept as dead letters in the Alerts view. ${first}${rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : ''}`)
    }
    return {
      status: 'ok' as const,
      received: body.alerts.length,
      stored,
      rejected: rejected.length,
      rejections: rejected.slice(0, SHOWN_REJECTIONS).map((r) => ({ index: r.index, reason: r.reason, message: r.message })),
      sanitized: inputs.sanitized,
      truncatedAlerts: body.truncatedAlerts ?? 0,
    }
  })
}
