import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { loadAvailability, busyIntervals, intervalsOf } from '../availability-store.js'
import { player, type SchedContext } from '../context.js'
import { badRequest, notFound } from '../errors.js'
import { intersect, subtract } from '../intervals.js'
import { errors, Uuid, ZonedTime } from '../schemas.js'
import { MINUTE, zoned } from '../time.js'
import { parseInstant } from '../validate.js'
const Slot = Type.Object({ start: ZonedTime, end: ZonedTime, minutes: Type.Integer() })
const MAX_SEARCH_AHEAD_DAYS = 400

/** Free times that suit two friends, from both availabilities minus both players' sessions. */
export const availabilityRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.get('/api/availability/free', {
    schema: {
      querystring: Type.Object({
        with: Uuid,
        from: Type.Optional(Type.String({ description: 'ISO-8601 with Z or an offset; default now, never before now' })),
        weeks: Type.Integer({ minimum: 1, maximum: 12, default: 4 }),
        minMinutes: Type.Integer({ minimum: 15, maximum: 480, default: 15 }),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      }),
      response: { 200: Type.Object({ measuredAt: Type.String(), from: ZonedTime, to: ZonedTime, items: Type.Array(Slot), truncated: Type.Boolean() }), ...errors },
    },
  }, async (request) => {
    const p = player(request)
    const q = request.query
    if (q.with === p.id) throw badRequest('Pick a friend in "with"; your own free time is your availability.', { field: 'with' })
    const now = Math.ceil(Date.now() / MINUTE) * MINUTE
    const from = q.from === undefined ? now : Math.max(now, parseInstant(q.from, 'from').getTime())
    if (from - now > MAX_SEARCH_AHEAD_DAYS * 86_400_000) throw badRequest(`"from" may be at most ${MAX_SEARCH_AHEAD_DAYS} days ahead.`, { field: 'from' })
    const to = from + q.weeks * 7 * 86_400_000
    const [avail, busy] = await Promise.all([loadAvailability(pool, [p.id, q.with], from, to, [p.id, q.with], false, ctx.plain), busyIntervals(pool, [p.id, q.with], from, to, ctx.plain)])
    if (avail.friends !== true) throw notFound('No friend with this id.')
    const free = subtract(intersect(intervalsOf(avail.get(p.id), from, to), intervalsOf(avail.get(q.with), from, to)), busy)
      .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
      .filter((i) => i.end - i.start >= q.minMinutes * MINUTE)
    return {
      measuredAt: new Date().toISOString(),
      from: zoned(new Date(from), p.zone),
      to: zoned(new Date(to), p.zone),
      items: free.slice(0, q.limit).map((i) => ({ start: zoned(new Date(i.start), p.zone), end: zoned(new Date(i.end), p.zone), minutes: Math.round((i.end - i.start) / MINUTE) })),
      truncated: free.length > q.limit,
    }
  })
}
