import { Type } from 'typebox'
import type { Db } from './db.js'
import { GameRef, PlayerRef, Uuid, ZonedTime } from './schemas.js'
import { zoned } from './time.js'

export const RequestStatus = Type.Union(['pending', 'accepted', 'declined', 'cancelled', 'expired'].map((s) => Type.Literal(s)))
export const SessionStatus = Type.Union(['scheduled', 'cancelled', 'completed'].map((s) => Type.Literal(s)))

/** What a request and the session it becomes share: who, what and when. */
const Booking = {
  organizer: PlayerRef,
  invitee: PlayerRef,
  game: GameRef,
  start: ZonedTime,
  end: ZonedTime,
  minutes: Type.Integer(),
}

export const SessionRequest = Type.Object({
  id: Uuid,
  ...Booking,
  message: Type.String(),
  status: RequestStatus,
  sessionId: Type.Union([Uuid, Type.Null()]),
  createdAt: ZonedTime,
})

export const Session = Type.Object({
  id: Uuid,
  requestId: Uuid,
  ...Booking,
  status: SessionStatus,
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  cancelledAt: Type.Union([ZonedTime, Type.Null()]),
})

interface Common {
  id: string,
  organizer_id: string,
  invitee_id: string,
  game_id: string,
  starts_at: Date,
  ends_at: Date,
  organizer_name: string,
  invitee_name: string,
  game_name: string,
  status: string
}
export interface RequestRow extends Common { message: string, session_id: string | null, created_at: Date }
export interface SessionRow extends Common { request_id: string, cancel_reason: string | null, cancelled_at: Date | null }

const JOINS = 'JOIN players o ON o.id = x.organizer_id JOIN players i ON i.id = x.invitee_id JOIN games g ON g.id = x.game_id'
/** Status as of now: a pending request whose start has passed is expired even before the sweep marks it. */
export const REQUESTS_SELECT = `SELECT x.id, x.organizer_id, x.invitee_id, x.game_id, x.starts_at, x.ends_at, x.message, x.session_id, x.created_at,
  CASE WHEN x.status = 'pending' AND x.starts_at <= now() THEN 'expired' ELSE x.status END AS status,
  o.display_name AS organizer_name, i.display_name AS invitee_name, g.name AS game_name FROM session_requests x ${JOINS}`
export const SESSIONS_SELECT = `SELECT x.id, x.request_id, x.organizer_id, x.invitee_id, x.game_id, x.starts_at, x.ends_at, x.cancel_reason, x.cancelled_at,
  CASE WHEN x.status = 'scheduled' AND x.ends_at <= now() THEN 'completed' ELSE x.status END AS status,
  o.display_name AS organizer_name, i.display_name AS invitee_name, g.name AS game_name FROM sessions x ${JOINS}`

function common (r: Common, zone: string) {
  return {
    id: r.id,
    organizer: { id: r.organizer_id, displayName: r.organizer_name },
    invitee: { id: r.invitee_id, displayName: r.invitee_name },
    game: { id: r.game_id, name: r.game_name },
    start: zoned(r.starts_at, zone),
    end: zoned(r.ends_at, zone),
    minutes: Math.round((r.ends_at.getTime() - r.starts_at.getTime()) / 60_000),
  }
}

export const toRequest = (r: RequestRow, zone: string) => ({
  ...common(r, zone), message: r.message, status: r.status as never, sessionId: r.session_id, createdAt: zoned(r.created_at, zone),
})
export const toSession = (r: SessionRow, zone: string) => ({
  ...common(r, zone), requestId: r.request_id, status: r.status as never, cancelReason: r.cancel_reason, cancelledAt: r.cancelled_at === null ? null : zoned(r.cancelled_at, zone),
})

export async function loadRequest (db: Db, id: string): Promise<RequestRow | undefined> {
  return (await db.query<RequestRow>(`${REQUESTS_SELECT} WHERE x.id = $1`, [id])).rows[0]
}
export async function loadSession (db: Db, id: string): Promise<SessionRow | undefined> {
  return (await db.query<SessionRow>(`${SESSIONS_SELECT} WHERE x.id = $1`, [id])).rows[0]
}
