import { busyIntervals, intervalsOf, loadAvailability, type PlayerAvailability } from './availability-store.js'
import type { Db } from './db.js'
import { badRequest, conflict, forbidden } from './errors.js'
import { contains } from './intervals.js'
import { MAX_MESSAGE } from './schemas.js'
import { zoned } from './time.js'
import { parseInstant } from './validate.js'

export const MIN_MINUTES = 15
export const MAX_MINUTES = 8 * 60

/** Start and end of a proposal, checked with messages a person can act on. */
export function checkProposal (body: { start: string, end: string, message?: string }, now = Date.now()): { start: Date, end: Date } {
  const start = parseInstant(body.start, 'start')
  const end = parseInstant(body.end, 'end')
  const minutes = (end.getTime() - start.getTime()) / 60_000
  if (minutes <= 0) {
    throw badRequest(`The end (${end.toISOString()}) is ${minutes === 0 ? 'the same as' : 'before'} the start (${start.toISOString()}).`, { field: 'end', reason: 'invalid_time' })
  }
  if (minutes < MIN_MINUTES) throw badRequest(`A session lasts at least ${MIN_MINUTES} minutes; this one lasts ${Math.round(minutes * 10) / 10}.`, { field: 'end', reason: 'invalid_time' })
  if (minutes > MAX_MINUTES) throw badRequest(`A session lasts at most 8 hours (${MAX_MINUTES} minutes); this one lasts ${Math.round(minutes)}.`, { field: 'end', reason: 'invalid_time' })
  if (start.getTime() <= now) throw badRequest(`The start (${start.toISOString()}) is not in the future.`, { field: 'start', reason: 'invalid_time' })
  if (body.message !== undefined && body.message.length > MAX_MESSAGE) {
    throw badRequest(`The message is ${body.message.length} characters long; the limit is ${MAX_MESSAGE}.`, { field: 'message' })
  }
  return { start, end }
}

/**
 * Refuses a time outside either player's availability, saying which side it does not fit, and
 * (in the same round trip) an invitation between players who are not friends.
 */
export async function checkFits (db: Db, me: string, other: string, start: Date, end: Date, meIs: 'organizer' | 'invitee', plain: boolean): Promise<void> {
  const avail = await loadAvailability(db, [me, other], start.getTime() - FIT_MARGIN_MS, end.getTime() + FIT_MARGIN_MS, [me, other], true, plain)
  judgeFits(avail, me, other, start, end, meIs)
}

/** Availability is loaded this much around a proposal, so windows of the day before and after count. */
export const FIT_MARGIN_MS = 86_400_000

/** The friendship and both availabilities (loaded FIT_MARGIN_MS around the proposal) judged. */
export function judgeFits (avail: Map<string, PlayerAvailability> & { friends?: boolean }, me: string, other: string, start: Date, end: Date, meIs: 'organizer' | 'invitee'): void {
  const s = start.getTime()
  const e = end.getTime()
  if (avail.friends !== true) {
    throw forbidden(meIs === 'organizer'
      ? 'You can only invite friends. Send a friend request first (POST /api/friends).'
      : 'You are no longer friends with the organizer, so this request cannot be accepted.', 'not_friends')
  }
  const fitsMe = contains(intervalsOf(avail.get(me), s - FIT_MARGIN_MS, e + FIT_MARGIN_MS), s, e)
  const fitsOther = contains(intervalsOf(avail.get(other), s - FIT_MARGIN_MS, e + FIT_MARGIN_MS), s, e)
  if (fitsMe && fitsOther) return
  const otherSide = meIs === 'organizer' ? 'invitee' : 'organizer'
  const side = !fitsMe && !fitsOther ? 'both' : !fitsMe ? meIs : otherSide
  const message = side === 'both'
    ? 'This time is outside your availability and outside the other player\'s.'
    : side === meIs
      ? 'This time is outside your availability. Add a window or an "available" exception, or pick another time.'
      : 'This time is outside the other player\'s availability. GET /api/availability/free?with=<id> lists times that suit you both.'
  throw conflict(message, { side }, 'outside_availability')
}

/**
 * Explains an overlap without leaking the other player's calendar: the caller's own session
 * is named with its times, the other player's only as "another session".
 */
export async function explainOverlap (db: Db, me: string, other: string, start: Date, end: Date, zone: string, plain: boolean): Promise<Error> {
  const { rows } = await db.query<{ session_id: string, lo: Date, hi: Date }>(
    `SELECT session_id, lower(during) AS lo, upper(during) AS hi FROM session_participants
      WHERE player_id = $1 AND status = 'scheduled' AND during && tstzrange($2, $3) ORDER BY lower(during) LIMIT 1`, [me, start, end])
  const mine = rows[0]
  if (mine !== undefined) {
    return conflict(`This time overlaps your session ${mine.session_id} from ${zoned(mine.lo, zone).local} to ${zoned(mine.hi, zone).local}.`,
      { side: 'self', sessionId: mine.session_id }, 'overlap')
  }
  const theirs = await busyIntervals(db, [other], start.getTime(), end.getTime(), plain)
  return conflict(theirs.length > 0 ? 'This time overlaps another session of the other player.' : 'This time overlaps a scheduled session.', { side: 'other' }, 'overlap')
}
