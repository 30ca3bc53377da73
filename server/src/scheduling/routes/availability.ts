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
const MAX_WEEKS = 12
const DEFAULT_WEEKS = 4
const WEEK = 7 * 86_400_000

/** Free times that suit two friends, from both availabilities minus both players' sessions. */
export const availabilityRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.get('/api/availability/free', {
    schema: {
      querystring: Type.Object({
        with: Uuid,
        from: Type.Optional(Type.String({ description: 'ISO-8601 with Z or an offset; default now, never before now' })),
        to: Type.Optional(Type.String({ description: `ISO-8601 end of the search, at most ${MAX_WEEKS} weeks after from; instead of weeks (to continue a search: see next)` })),
        weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WEEKS, description: 'length of the search from "from"; default 4 (unless to is given)' })),
        minMinutes: Type.Integer({ minimum: 15, maximum: 480, default: 15 }),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      }),
      response: {
        200: Type.Object({
          measuredAt: Type.String(),
          from: ZonedTime,
          to: ZonedTime,
          items: Type.Array(Slot),
          truncated: Type.Boolean({ description: 'more slots than limit: the next page starts at next' }),
          next: Type.Union([Type.String(), Type.Null()], {
            description: 'when truncated, the from= of the next page: ask again with from=<next>&to=<to.utc> (and the same with, minMinutes and limit) ' +
              'to continue this same search; null on its last page',
          }),
        }),
        ...errors,
      },
    },
  }, async (request) => {
    const p = player(request)
    const q = request.query
    if (q.with === p.id) throw badRequest('Pick a friend in "with"; your own free time is your availability.', { field: 'with' })
    const now = Math.ceil(Date.now() / MINUTE) * MINUTE
    const from = q.from === undefined ? now : Math.max(now, parseInstant(q.from, 'from').getTime())
    if (from - now > MAX_SEARCH_AHEAD_DAYS * 86_400_000) throw badRequest(`"from" may be at most ${MAX_SEARCH_AHEAD_DAYS} days ahead.`, { field: 'from' })
    if (q.to !== undefined && q.weeks !== undefined) throw badRequest('Give either "weeks" or "to", not both.', { field: 'to' })
    const to = q.to === undefined ? from + (q.weeks ?? DEFAULT_WEEKS) * WEEK : parseInstant(q.to, 'to').getTime()
    if (to <= from) throw badRequest(`"to" must be after "from" (${new Date(from).toISOString()}; a search never starts before now).`, { field: 'to' })
    if (to - from > MAX_WEEKS * WEEK) throw badRequest(`"to" may be at most ${MAX_WEEKS} weeks after "from".`, { field: 'to' })
    const [avail, busy] = await Promise.all([loadAvailability(pool, [p.id, q.with], from, to, [p.id, q.with], false, ctx.plain), busyIntervals(pool, [p.id, q.with], from, to, ctx.plain)])
    if (avail.friends !== true) throw notFound('No friend with this id.')
    const free = subtract(intersect(intervalsOf(avail.get(p.id), from, to), intervalsOf(avail.get(q.with), from, to)), busy)
      .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
      .filter((i) => i.end - i.start >= q.minMinutes * MINUTE)
    const shown = free.slice(0, q.limit)
    const truncated = free.length > q.limit
    return {
      measuredAt: new Date().toISOString(),
      from: zoned(new Date(from), p.zone),
      to: zoned(new Date(to), p.zone),
      items: shown.map((i) => ({ start: zoned(new Date(i.start), p.zone), end: zoned(new Date(i.end), p.zone), minutes: Math.round((i.end - i.start) / MINUTE) })),
      truncated,
      // Free slots are disjoint and never touch, so the next one starts after the last one shown ends.
      next: truncated ? new Date((shown[shown.length - 1] as { end: number }).end).toISOString() : null,
    }
  })
}
