import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { AuditList, AuditQuery, readAudit } from './audit-read.js'
import type { SchedContext } from './context.js'

/**
 * GET {BASE_PATH}/api/scheduling/audit?requestId=: the scheduling core's audit trail for a
 * TovWatch admin logged in to the dashboard, where a log line's request id links to (the
 * scheduling API's /api/audit takes bearer tokens only).
 */
export const dashboardAuditRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  app.get('/api/scheduling/audit', {
    config: { auth: 'admin' },
    schema: { querystring: AuditQuery, response: { 200: AuditList, ...errorResponses(400, ...AUTH_ERRORS, 503) } },
  }, async (request) => {
    if (!ctx.state.ready) throw app.httpErrors.serviceUnavailable(`The scheduling core is not ready: ${ctx.state.error ?? 'its migrations are running'}.`)
    return await readAudit(ctx.pool, request.query)
  })
}
