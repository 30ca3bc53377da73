import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AuditList, AuditQuery, readAudit } from '../audit-read.js'
import { admin, type SchedContext } from '../context.js'
import { errors } from '../schemas.js'

/** GET /api/audit?requestId=&entity=&entityId=: the audit trail, for admins. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  app.get('/api/audit', { schema: { querystring: AuditQuery, response: { 200: AuditList, ...errors } } }, async (request) => {
    admin(request)
    return await readAudit(ctx.pool, request.query)
  })
}
