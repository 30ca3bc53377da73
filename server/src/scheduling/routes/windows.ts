import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, player, type SchedContext } from '../context.js'
import { audit, withTx } from '../db.js'
import { badRequest, notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, IdempotencyHeaders, IdParams, listOf, page, PageQuery, Uuid } from '../schemas.js'

const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$', description: 'local wall-clock time HH:MM (24:00 = end of day)' })
const Day = Type.Integer({ minimum: 1, maximum: 7, description: 'ISO: 1 = Monday .. 7 = Sunday' })
const Window = Type.Object({ id: Uuid, dayOfWeek: Type.Integer(), start: Type.String(), end: Type.String(), timeZone: Type.String({ description: 'the player\'s zone, in which start and end are meant' }) })

interface WindowRow { id: string, player_id: string, day_of_week: number, start_time: string, end_time: string }
const RETURNING = 'RETURNING id, player_id, day_of_week, start_time::text, end_time::text'
const toWindow = (r: WindowRow, zone: string) => ({ id: r.id, dayOfWeek: r.day_of_week, start: r.start_time.slice(0, 5), end: r.end_time.slice(0, 5), timeZone: zone })

function checkOrder (start: string, end: string): void {
  if (start === '24:00' || end <= start) throw badRequest(`A window must end after it starts (got ${start}-${end}); to cross midnight, add two windows.`, { field: 'end' })
}

/** Weekly availability windows, in the player's own zone (they follow its daylight-saving changes). */
export const windowRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.get('/api/availability/windows', { schema: { querystring: PageQuery, response: { 200: listOf(Window), ...errors } } }, async (request) => {
    const p = player(request)
    const q = request.query
    const { rows } = await pool.query<WindowRow>(`SELECT id, player_id, day_of_week, start_time::text, end_time::text FROM availability_windows
      WHERE player_id = $1 ORDER BY day_of_week, start_time, id LIMIT $2 OFFSET $3`, [p.id, q.limit + 1, q.offset])
    return page(rows.map((r) => toWindow(r, p.zone)), q)
  })

  app.post('/api/availability/windows', {
    schema: { headers: IdempotencyHeaders, body: Type.Object({ dayOfWeek: Day, start: HHMM, end: HHMM }, { additionalProperties: false }), response: { 201: Window, ...errors } },
  }, async (request, reply) => {
    const p = player(request)
    const { dayOfWeek, start, end } = request.body
    checkOrder(start, end)
    return idempotent(pool, request, reply, p, async (db) => {
      const { rows } = await db.query<WindowRow>(`INSERT INTO availability_windows (player_id, day_of_week, start_time, end_time) VALUES ($1, $2, $3, $4) ${RETURNING}`,
        [p.id, dayOfWeek, start, end])
      const row = rows[0] as WindowRow
      await audit(db, request.id, [{ actor: actorOf(p), action: 'availability_window.create', entity: 'availability_windows', entityId: row.id, after: row }])
      return { status: 201, body: toWindow(row, p.zone) }
    })
  })

  app.patch('/api/availability/windows/:id', {
    schema: { params: IdParams, body: Type.Object({ dayOfWeek: Type.Optional(Day), start: Type.Optional(HHMM), end: Type.Optional(HHMM) }, { additionalProperties: false, minProperties: 1 }), response: { 200: Window, ...errors } },
  }, async (request) => {
    const p = player(request)
    return withTx(pool, async (db) => {
      const before = (await db.query<WindowRow>('SELECT id, player_id, day_of_week, start_time::text, end_time::text FROM availability_windows WHERE id = $1 AND player_id = $2 FOR UPDATE',
        [request.params.id, p.id])).rows[0]
      if (before === undefined) throw notFound('No availability window of yours with this id.')
      const start = request.body.start ?? before.start_time.slice(0, 5)
      const end = request.body.end ?? before.end_time.slice(0, 5)
      checkOrder(start, end)
      const row = (await db.query<WindowRow>(`UPDATE availability_windows SET day_of_week = $2, start_time = $3, end_time = $4 WHERE id = $1 ${RETURNING}`,
        [before.id, request.body.dayOfWeek ?? before.day_of_week, start, end])).rows[0] as WindowRow
      await audit(db, request.id, [{ actor: actorOf(p), action: 'availability_window.update', entity: 'availability_windows', entityId: row.id, before, after: row }])
      return toWindow(row, p.zone)
    })
  })

  app.delete('/api/availability/windows/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const p = player(request)
    await withTx(pool, async (db) => {
      const { rows } = await db.query('DELETE FROM availability_windows WHERE id = $1 AND player_id = $2 RETURNING *', [request.params.id, p.id])
      if (rows[0] === undefined) throw notFound('No availability window of yours with this id.')
      await audit(db, request.id, [{ actor: actorOf(p), action: 'availability_window.delete', entity: 'availability_windows', entityId: request.params.id, before: rows[0] }])
    })
    return reply.code(204).send(null)
  })
}
