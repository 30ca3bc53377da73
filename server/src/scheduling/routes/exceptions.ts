import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, player, type SchedContext } from '../context.js'
import { audit, withTx } from '../db.js'
import { badRequest, notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, IdempotencyHeaders, IdParams, listOf, page, PageQuery, Uuid, ZonedTime } from '../schemas.js'
import { zoned } from '../time.js'
import { parseInstant } from '../validate.js'

const Kind = Type.Union([Type.Literal('available'), Type.Literal('unavailable')])
const Instant = Type.String({ description: 'ISO-8601 with Z or an offset' })
const Note = Type.String({ maxLength: 500 })
const Exception = Type.Object({ id: Uuid, start: ZonedTime, end: ZonedTime, kind: Kind, note: Type.String() })
const MAX_EXCEPTION_DAYS = 31

interface ExceptionRow { id: string, player_id: string, starts_at: Date, ends_at: Date, kind: 'available' | 'unavailable', note: string }
const toException = (r: ExceptionRow, zone: string) => ({ id: r.id, start: zoned(r.starts_at, zone), end: zoned(r.ends_at, zone), kind: r.kind, note: r.note })

function span (startRaw: string | Date, endRaw: string | Date): { start: Date, end: Date } {
  const start = startRaw instanceof Date ? startRaw : parseInstant(startRaw, 'start')
  const end = endRaw instanceof Date ? endRaw : parseInstant(endRaw, 'end')
  if (end <= start) throw badRequest('The exception must end after it starts.', { field: 'end' })
  if (end.getTime() - start.getTime() > MAX_EXCEPTION_DAYS * 86_400_000) throw badRequest(`An exception lasts at most ${MAX_EXCEPTION_DAYS} days.`, { field: 'end' })
  return { start, end }
}

/** One-off exceptions: extra availability, or time off that overrides the weekly windows. */
export const exceptionRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.get('/api/availability/exceptions', { schema: { querystring: PageQuery, response: { 200: listOf(Exception), ...errors } } }, async (request) => {
    const p = player(request)
    const q = request.query
    const { rows } = await pool.query<ExceptionRow>(`SELECT * FROM availability_exceptions WHERE player_id = $1 AND ends_at > now()
      ORDER BY starts_at, id LIMIT $2 OFFSET $3`, [p.id, q.limit + 1, q.offset])
    return page(rows.map((r) => toException(r, p.zone)), q)
  })

  app.post('/api/availability/exceptions', {
    schema: { headers: IdempotencyHeaders, body: Type.Object({ start: Instant, end: Instant, kind: Kind, note: Type.Optional(Note) }, { additionalProperties: false }), response: { 201: Exception, ...errors } },
  }, async (request, reply) => {
    const p = player(request)
    const { start, end } = span(request.body.start, request.body.end)
    return idempotent(pool, request, reply, p, async (db) => {
      const { rows } = await db.query<ExceptionRow>('INSERT INTO availability_exceptions (player_id, starts_at, ends_at, kind, note) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [p.id, start, end, request.body.kind, request.body.note ?? ''])
      const row = rows[0] as ExceptionRow
      await audit(db, request.id, [{ actor: actorOf(p), action: 'availability_exception.create', entity: 'availability_exceptions', entityId: row.id, after: row }])
      return { status: 201, body: toException(row, p.zone) }
    })
  })

  app.patch('/api/availability/exceptions/:id', {
    schema: { params: IdParams, body: Type.Object({ start: Type.Optional(Instant), end: Type.Optional(Instant), kind: Type.Optional(Kind), note: Type.Optional(Note) }, { additionalProperties: false, minProperties: 1 }), response: { 200: Exception, ...errors } },
  }, async (request) => {
    const p = player(request)
    return withTx(pool, async (db) => {
      const before = (await db.query<ExceptionRow>('SELECT * FROM availability_exceptions WHERE id = $1 AND player_id = $2 FOR UPDATE', [request.params.id, p.id])).rows[0]
      if (before === undefined) throw notFound('No availability exception of yours with this id.')
      const { start, end } = span(request.body.start ?? before.starts_at, request.body.end ?? before.ends_at)
      const row = (await db.query<ExceptionRow>('UPDATE availability_exceptions SET starts_at = $2, ends_at = $3, kind = $4, note = $5 WHERE id = $1 RETURNING *',
        [before.id, start, end, request.body.kind ?? before.kind, request.body.note ?? before.note])).rows[0] as ExceptionRow
      await audit(db, request.id, [{ actor: actorOf(p), action: 'availability_exception.update', entity: 'availability_exceptions', entityId: row.id, before, after: row }])
      return toException(row, p.zone)
    })
  })

  app.delete('/api/availability/exceptions/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const p = player(request)
    await withTx(pool, async (db) => {
      const { rows } = await db.query('DELETE FROM availability_exceptions WHERE id = $1 AND player_id = $2 RETURNING *', [request.params.id, p.id])
      if (rows[0] === undefined) throw notFound('No availability exception of yours with this id.')
      await audit(db, request.id, [{ actor: actorOf(p), action: 'availability_exception.delete', entity: 'availability_exceptions', entityId: request.params.id, before: rows[0] }])
    })
    return reply.code(204).send(null)
  })
}
