import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { PoolClient } from 'pg'
import { Type } from 'typebox'
import { acceptWrite } from '../accept-write.js'
import { BUSY_SQL } from '../availability-store.js'
import { checkFits, checkProposal, explainOverlap, judgeFits } from '../booking.js'
import { actorOf, player, type SchedContext } from '../context.js'
import { audit } from '../db.js'
import { forbidden, notFound } from '../errors.js'
import { idempotent, type Held } from '../idempotency.js'
import { acceptFrom, acceptLockCall, lockForAccept, lockOwn, type AcceptRow } from '../request-lock.js'
import { PG_CODES, pgErrorCode } from '../../infra/postgres.js'
import { errors, IdempotencyHeaders, IdParams, listOf, page, PageQuery, Uuid } from '../schemas.js'
import { loadRequest, REQUESTS_SELECT, RequestStatus, SessionRequest, Session, toRequest, toSession, type RequestRow } from '../views.js'

const ROLE = Type.Union([Type.Literal('incoming'), Type.Literal('outgoing'), Type.Literal('all')])

export const requestRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool, metrics } = ctx

  app.get('/api/requests', {
    schema: { querystring: Type.Intersect([PageQuery, Type.Object({ role: Type.Optional(ROLE), status: Type.Optional(RequestStatus) })]), response: { 200: listOf(SessionRequest), ...errors } },
  }, async (request) => {
    const p = player(request)
    const q = request.query
    const role = q.role ?? 'all'
    const who = role === 'incoming' ? 'x.invitee_id = $1' : role === 'outgoing' ? 'x.organizer_id = $1' : '(x.organizer_id = $1 OR x.invitee_id = $1)'
    const { rows } = await pool.query<RequestRow>(`SELECT * FROM (${REQUESTS_SELECT} WHERE ${who}) r WHERE ($2::text IS NULL OR r.status = $2)
      ORDER BY r.starts_at, r.id LIMIT $3 OFFSET $4`, [p.id, q.status ?? null, q.limit + 1, q.offset])
    return page(rows.map((r) => toRequest(r, p.zone)), q)
  })

  app.get('/api/requests/:id', { schema: { params: IdParams, response: { 200: SessionRequest, ...errors } } }, async (request) => {
    const p = player(request)
    const r = await loadRequest(pool, request.params.id)
    if (r === undefined || (r.organizer_id !== p.id && r.invitee_id !== p.id)) throw notFound('No session request of yours with this id.')
    return toRequest(r, p.zone)
  })

  app.post('/api/requests', {
    schema: {
      headers: IdempotencyHeaders,
      body: Type.Object({
        inviteeId: Uuid,
        gameId: Uuid,
        start: Type.String({ description: 'ISO-8601 with Z or an offset' }),
        end: Type.String({ description: 'ISO-8601 with Z or an offset' }),
        message: Type.Optional(Type.String({ description: 'at most 2000 characters' })),
      }, { additionalProperties: false }),
      response: { 201: SessionRequest, ...errors },
    },
  }, async (request, reply) => {
    const p = player(request)
    const { inviteeId, gameId } = request.body
    const { start, end } = checkProposal(request.body)
    if (inviteeId === p.id) throw forbidden('You cannot invite yourself.')
    return idempotent(pool, request, reply, p, async (db) => {
      const found = await db.query<{ kind: string }>('SELECT \'player\' AS kind FROM players WHERE id = $1 UNION ALL SELECT \'game\' FROM games WHERE id = $2', [inviteeId, gameId])
      if (!found.rows.some((r) => r.kind === 'player')) throw notFound('No player with this id.')
      if (!found.rows.some((r) => r.kind === 'game')) throw notFound('No game with this id. GET /api/games lists them.')
      await checkFits(db, p.id, inviteeId, start, end, 'organizer', ctx.plain)
      const clash = await db.query(`${BUSY_SQL} LIMIT 1`, [p.id, inviteeId, start, end])
      if (clash.rowCount === 1) throw await explainOverlap(db, p.id, inviteeId, start, end, p.zone, ctx.plain)
      const { rows } = await db.query<{ id: string }>(`INSERT INTO session_requests (organizer_id, invitee_id, game_id, starts_at, ends_at, message)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`, [p.id, inviteeId, gameId, start, end, request.body.message ?? ''])
      const row = rows[0] as RequestRow
      await audit(db, request.id, [{ actor: actorOf(p), action: 'session_request.create', entity: 'session_requests', entityId: row.id, after: row }])
      request.log.info({ event: 'session_request.created', sessionRequestId: row.id, start: start.toISOString(), end: end.toISOString() }, 'session request created')
      const view = await loadRequest(db, row.id) as RequestRow
      return { status: 201, body: toRequest(view, p.zone), onCommit: () => metrics.requestsCreated.inc() }
    })
  })

  app.post('/api/requests/:id/accept', {
    schema: { headers: IdempotencyHeaders, params: IdParams, response: { 200: Type.Object({ request: SessionRequest, session: Session }), ...errors } },
  }, async (request, reply) => {
    const p = player(request)
    let proposal: { organizer: string, start: Date, end: Date } | undefined
    try {
      // On PostgreSQL the lock travels with the idempotency claim: one round trip for both.
      const batch = ctx.embedded ? undefined : (client: PoolClient, held: Held) => acceptLockCall(client, request.params.id, p.id, held, ctx.plain)
      return await idempotent(pool, request, reply, p, async (db, batched, held) => {
        const { request: before, avail } = batched !== undefined
          ? acceptFrom(batched.rows as AcceptRow[], p.id)
          : await lockForAccept(db, request.params.id, p.id, held)
        proposal = { organizer: before.organizer_id, start: before.starts_at, end: before.ends_at }
        judgeFits(avail, p.id, before.organizer_id, before.starts_at, before.ends_at, 'invitee')
        const { sessionId, sql } = await acceptWrite(db, before, actorOf(p), request.id, ctx.embedded, ctx.plain)
        const view = { ...before, status: 'accepted', session_id: sessionId }
        const session = { ...before, id: sessionId, request_id: before.id, status: 'scheduled', cancel_reason: null, cancelled_at: null }
        return {
          status: 200,
          body: { request: toRequest(view, p.zone), session: toSession(session, p.zone) },
          commitWith: sql,
          onCommit: () => {
            metrics.requestsAccepted.inc()
            metrics.sessionsScheduled.inc()
            request.log.info({ event: 'session.scheduled', sessionRequestId: before.id, sessionId }, 'session scheduled')
          },
        }
      }, batch)
    } catch (err) {
      // The transaction is over: now it is safe to ask whose session was in the way.
      if (pgErrorCode(err) === PG_CODES.exclusionViolation && proposal !== undefined) {
        throw await explainOverlap(pool, p.id, proposal.organizer, proposal.start, proposal.end, p.zone, ctx.plain)
      }
      throw err
    }
  })

  for (const action of ['decline', 'cancel'] as const) {
    app.post(`/api/requests/:id/${action}`, {
      schema: { headers: IdempotencyHeaders, params: IdParams, response: { 200: SessionRequest, ...errors } },
    }, async (request, reply) => {
      const p = player(request)
      return idempotent(pool, request, reply, p, async (db) => {
        const before = await lockOwn(db, request.params.id, p.id, action === 'decline' ? 'invitee' : 'organizer', action, ctx.plain)
        const status = action === 'decline' ? 'declined' : 'cancelled'
        const after = (await db.query('UPDATE session_requests SET status = $2, responded_at = now() WHERE id = $1 RETURNING *', [before.id, status])).rows[0]
        await audit(db, request.id, [{ actor: actorOf(p), action: `session_request.${action}`, entity: 'session_requests', entityId: before.id, before: before.before_json, after }])
        request.log.info({ event: `session_request.${status}`, sessionRequestId: before.id }, `session request ${status}`)
        return {
          status: 200,
          body: toRequest({ ...before, status }, p.zone),
          onCommit: () => { if (action === 'decline') metrics.requestsDeclined.inc() },
        }
      })
    })
  }
}
