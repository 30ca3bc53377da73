import type { PlayerAvailability } from './availability-store.js'
import { FIT_MARGIN_MS } from './booking.js'
import type pg from 'pg'
import { preparedCall, statement, type Db } from './db.js'
import { conflict, forbidden, notFound } from './errors.js'
import type { Held } from './idempotency.js'
import { zoned } from './time.js'
import type { RequestRow } from './views.js'

export type LockedRequest = RequestRow & { before_json: unknown }

const LOCK_SQL = `SELECT x.*, to_jsonb(x) AS before_json,
    o.display_name AS organizer_name, i.display_name AS invitee_name, g.name AS game_name
  FROM session_requests x JOIN players o ON o.id = x.organizer_id JOIN players i ON i.id = x.invitee_id JOIN games g ON g.id = x.game_id
  WHERE x.id = $1 AND (x.organizer_id = $2 OR x.invitee_id = $2) FOR UPDATE OF x`

/** The pending request (with the names a response shows), locked, if the caller is on the side that may act on it. */
export async function lockOwn (db: Db, id: string, me: string, side: 'invitee' | 'organizer', action: string, plain: boolean): Promise<LockedRequest> {
  const { rows } = await db.query<LockedRequest>(statement(plain, 'sched-lock-request', LOCK_SQL, [id, me]))
  return judgeLocked(rows[0], me, side, action)
}

function judgeLocked<T extends RequestRow> (r: T | undefined, me: string, side: 'invitee' | 'organizer', action: string): T {
  if (r === undefined) throw notFound('No session request of yours with this id.')
  if ((side === 'invitee' ? r.invitee_id : r.organizer_id) !== me) {
    throw forbidden(side === 'invitee' ? `Only the invited player can ${action} this request.` : 'Only the organizer can cancel this request; you can decline it.')
  }
  if (r.status !== 'pending') throw conflict(`This request is ${r.status} already.`)
  if (r.starts_at.getTime() <= Date.now()) throw conflict(`This request expired at its proposed start (${zoned(r.starts_at, 'UTC').utc}).`)
  return r
}

/** Only for the holder of the idempotency key (see ClaimBatch): otherwise no row and no lock. */
const HELD = ' AND EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.caller = $4 AND k.key = $5 AND k.status_code IS NULL)'
const ACCEPT_TYPES = ['uuid', 'uuid', 'float8', 'text', 'text']

export interface AcceptRow extends LockedRequest {
  organizer_zone: string
  invitee_zone: string
  friendship_id: string | null
  windows: Array<[string, number, number, number]>
  exceptions: Array<[string, number, number, 'available' | 'unavailable']>
}

/**
 * What an accept needs before it writes, in one round trip: the request locked (as lockOwn), the
 * accepted friendship share-locked (so it cannot vanish before commit), and both players' zones,
 * weekly windows and the exceptions near the proposal (as loadAvailability).
 */
const ACCEPT_SQL = `WITH x AS (${LOCK_SQL.replace('SELECT x.*', 'SELECT x.*, o.time_zone AS organizer_zone, i.time_zone AS invitee_zone').replace(' FOR UPDATE', HELD + ' FOR UPDATE')})
SELECT x.*,
  (SELECT f.id FROM friendships f WHERE least(f.requester_id, f.addressee_id) = least(x.organizer_id, x.invitee_id)
      AND greatest(f.requester_id, f.addressee_id) = greatest(x.organizer_id, x.invitee_id) AND f.status = 'accepted' FOR SHARE) AS friendship_id,
  (SELECT coalesce(json_agg(json_build_array(w.player_id, w.day_of_week, extract(epoch FROM w.start_time)::int / 60, extract(epoch FROM w.end_time)::int / 60)), '[]')
     FROM availability_windows w WHERE w.player_id IN (x.organizer_id, x.invitee_id)) AS windows,
  (SELECT coalesce(json_agg(json_build_array(e.player_id, floor(extract(epoch FROM e.starts_at) * 1000), floor(extract(epoch FROM e.ends_at) * 1000), e.kind)), '[]')
     FROM availability_exceptions e WHERE e.player_id IN (x.organizer_id, x.invitee_id)
      AND e.ends_at > x.starts_at - make_interval(secs => $3) AND e.starts_at < x.ends_at + make_interval(secs => $3)) AS exceptions
FROM x`

type Accept = { request: LockedRequest, avail: Map<string, PlayerAvailability> & { friends?: boolean } }

/** On the embedded PGlite: its own round trip, after the claim. */
export async function lockForAccept (db: Db, id: string, me: string, held: Held): Promise<Accept> {
  return acceptFrom((await db.query<AcceptRow>(ACCEPT_SQL, [id, me, FIT_MARGIN_MS / 1000, held.caller, held.key])).rows, me)
}

/** On PostgreSQL: SQL to send with the idempotency claim (a ClaimBatch); its rows go to acceptFrom. */
export async function acceptLockCall (client: pg.PoolClient, id: string, me: string, held: Held, plain: boolean): Promise<string> {
  return preparedCall(client, 'tw_lock_accept', ACCEPT_SQL, ACCEPT_TYPES, [id, me, String(FIT_MARGIN_MS / 1000), held.caller, held.key], plain)
}

export function acceptFrom (rows: AcceptRow[], me: string): Accept {
  const { organizer_zone: oz, invitee_zone: iz, friendship_id: fid, windows, exceptions, ...request } = judgeLocked(rows[0], me, 'invitee', 'accept')
  const avail: Map<string, PlayerAvailability> & { friends?: boolean } = new Map([
    [request.organizer_id, { zone: oz, windows: [], exceptions: [] }],
    [request.invitee_id, { zone: iz, windows: [], exceptions: [] }],
  ])
  avail.friends = fid !== null
  for (const [pid, dayOfWeek, startMinute, endMinute] of windows) avail.get(pid)?.windows.push({ dayOfWeek, startMinute, endMinute })
  for (const [pid, start, end, kind] of exceptions) avail.get(pid)?.exceptions.push({ start, end, kind })
  return { request, avail }
}
