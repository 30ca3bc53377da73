import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, player, type SchedContext } from '../context.js'
import { audit } from '../db.js'
import { badRequest, conflict, notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, IdempotencyHeaders, IdParams, listOf, MAX_MESSAGE, page, PageQuery } from '../schemas.js'
import { loadSession, Session, SESSIONS_SELECT, SessionStatus, toSession, type SessionRow } from '../views.js'

export const sessionRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool, metrics } = ctx

  app.get('/api/sessions', {
    schema: { querystring: Type.Intersect([PageQuery, Type.Object({ status: Type.Optional(SessionStatus) })]), response: { 200: listOf(Session), ...errors } },
  }, async (request) => {
    const p = player(request)
    const q = request.query
    const { rows } = await pool.query<SessionRow>(`SELECT * FROM (${SESSIONS_SELECT} WHERE (x.organizer_id = $1 OR x.invitee_id = $1)) s
      WHERE ($2::text IS NULL OR s.status = $2) ORDER BY s.starts_at, s.id LIMIT $3 OFFSET $4`, [p.id, q.status ?? null, q.limit + 1, q.offset])
    return page(rows.map((r) => toSession(r, p.zone)), q)
  })

  app.get('/api/sessions/:id', { schema: { params: IdParams, response: { 200: Session, ...errors } } }, async (request) => {
    const p = player(request)
    const s = await loadSession(pool, request.params.id)
    if (s === undefined || (s.organizer_id !== p.id && s.invitee_id !== p.id)) throw notFound('No session of yours with this id.')
    return toSession(s, p.zone)
  })

  app.post('/api/sessions/:id/cancel', {
    schema: { headers: IdempotencyHeaders, params: IdParams, body: Type.Object({ reason: Type.String({ description: `why (shown to the other player), at most ${MAX_MESSAGE} characters` }) }, { additionalProperties: false }), response: { 200: Session, ...errors } },
  }, async (request, reply) => {
    const p = player(request)
    const reason = request.body.reason.trim()
    if (reason === '') throw badRequest('Say why the session is cancelled: the other player will read it.', { field: 'reason' })
    if (reason.length > MAX_MESSAGE) throw badRequest(`The reason is ${reason.length} characters long; the limit is ${MAX_MESSAGE}.`, { field: 'reason' })
    return idempotent(pool, request, reply, p, async (db) => {
      const { rows } = await db.query<SessionRow>('SELECT * FROM sessions WHERE id = $1 AND (organizer_id = $2 OR invitee_id = $2) FOR UPDATE', [request.params.id, p.id])
      const before = rows[0]
      if (before === undefined) throw notFound('No session of yours with this id.')
      if (before.status !== 'scheduled') throw conflict(`This session is ${before.status} already.`)
      if (before.ends_at.getTime() <= Date.now()) throw conflict('This session is over; it cannot be cancelled.')
      const after = (await db.query(`UPDATE sessions SET status = 'cancelled', cancel_reason = $2, cancelled_by = $3, cancelled_at = now()
        WHERE id = $1 RETURNING *`, [before.id, reason, p.id])).rows[0]
      await audit(db, request.id, [{ actor: actorOf(p), action: 'session.cancel', entity: 'sessions', entityId: before.id, before, after }])
      request.log.info({ event: 'session.cancelled', sessionId: before.id }, 'session cancelled')
      return { status: 200, body: toSession(await loadSession(db, before.id) as SessionRow, p.zone), onCommit: () => metrics.sessionsCancelled.inc() }
    })
  })
}
