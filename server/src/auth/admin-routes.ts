import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { auditResult, auditStart } from '../database/audit.js'
import { AUTH_ERRORS, NullableString, errorResponses } from '../infra/http.js'
import { redactText } from '../infra/logger.js'

const Session = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('viewer'), Type.Literal('admin')]),
  /** false once its token is no longer in TOVWATCH_TOKENS: the session no longer works. */
  tokenConfigured: Type.Boolean(),
  createdAt: Type.String(),
  lastSeenAt: Type.String(),
  expiresAt: Type.String(),
  client: NullableString(),
  userAgent: NullableString(),
  current: Type.Boolean(),
})
const SessionList = Type.Object({ measuredAt: Type.String(), sessions: Type.Array(Session) })
const SessionId = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{16,32}$' }) })
const Ended = Type.Object({ id: Type.String(), ended: Type.Boolean(), auditId: Type.String() })

/**
 * Admin: list and end login sessions, revoke embed tokens. Each action is audited in
 * tovwatch_admin_audit before it happens: with the store down, nothing happens.
 * Registered under the BASE_PATH prefix.
 */
export const authAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, tokens } = app.auth
  const unavailable = (request: FastifyRequest, err: unknown) => {
    request.log.warn({ err: { message: redactText((err as Error).message) } }, 'session store unavailable')
    return app.httpErrors.serviceUnavailable('The session store (TOVWATCH_DATABASE_URL) does not answer: nothing was changed.')
  }

  async function audited (request: FastifyRequest, action: string, params: Record<string, string>, act: () => Promise<boolean>): Promise<{ done: boolean, auditId: string }> {
    const actor = request.principal?.name ?? 'unknown'
    let auditId: string
    try {
      auditId = await auditStart(app.deps.pg.store, { actor, via: request.principal?.via ?? 'unknown', action, params, requestId: request.id })
    } catch (err) {
      throw unavailable(request, err)
    }
    let done: boolean
    try {
      done = await act()
    } catch (err) {
      await auditResult(app.deps.pg.store, auditId, { error: 'store unavailable' }).catch(() => {})
      throw unavailable(request, err)
    }
    await auditResult(app.deps.pg.store, auditId, { done }).catch(() => {})
    request.log.warn({ audit: { actor, action, ...params, done, auditId } }, `${action} by an admin`)
    return { done, auditId }
  }

  app.get('/api/sessions', {
    config: { auth: 'admin' },
    schema: { response: { 200: SessionList, ...errorResponses(...AUTH_ERRORS, 503) } },
  }, async (request) => {
    const rows = await sessions.list().catch((err: unknown) => { throw unavailable(request, err) })
    return {
      measuredAt: new Date().toISOString(),
      sessions: rows.map((r) => {
        const now = tokens.byKey(r.token_key)
        return {
          id: r.id,
          name: now?.name ?? r.name,
          role: now?.role ?? r.role,
          tokenConfigured: now !== undefined,
          createdAt: r.created_at.toISOString(),
          lastSeenAt: r.last_seen_at.toISOString(),
          expiresAt: r.expires_at.toISOString(),
          client: r.client,
          userAgent: r.user_agent,
          current: r.id === request.principal?.sessionId,
        }
      }),
    }
  })

  app.delete('/api/sessions/:id', {
    config: { auth: 'admin' },
    schema: { params: SessionId, response: { 200: Ended, ...errorResponses(400, ...AUTH_ERRORS, 404, 503) } },
  }, async (request) => {
    const { id } = request.params
    const by = `admin:${request.principal?.name ?? 'unknown'}`
    const r = await audited(request, 'session-end', { session: id }, () => sessions.end(id, by))
    if (!r.done) throw app.httpErrors.notFound('No open session with that id (it may have ended or expired already).')
    return { id, ended: true, auditId: r.auditId }
  })

  app.delete('/api/embed-tokens/:id', {
    config: { auth: 'admin' },
    schema: { params: SessionId, response: { 200: Type.Object({ id: Type.String(), revoked: Type.Boolean(), alreadyRevoked: Type.Boolean(), auditId: Type.String() }), ...errorResponses(400, ...AUTH_ERRORS, 503) } },
  }, async (request) => {
    const { id } = request.params
    const r = await audited(request, 'embed-token-revoke', { embedToken: id }, () => sessions.revokeEmbed(id, request.principal?.name ?? 'unknown'))
    return { id, revoked: true, alreadyRevoked: !r.done, auditId: r.auditId }
  })
}
