import { statement, type Db } from './db.js'
import { availableIntervals, type AvailabilityException, type WeeklyWindow } from './availability.js'
import { merge, type Interval } from './intervals.js'

export interface PlayerAvailability { zone: string, windows: WeeklyWindow[], exceptions: AvailabilityException[] }

const minutes = (t: string) => {
  const [h, m] = t.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

/**
 * Zone, weekly windows and the exceptions overlapping [from, to) of each player, in one query.
 * With `friends`, the same round trip also checks (and share-locks, so it cannot vanish before
 * commit; `lock` false on read paths) the accepted friendship between the two players.
 */
export async function loadAvailability (db: Db, playerIds: string[], from: number, to: number, friends: [string, string] | undefined, lock: boolean, plain: boolean): Promise<Map<string, PlayerAvailability> & { friends?: boolean }> {
  const { rows } = await db.query<{ k: 'w' | 'x' | 'f', id: string | null, zone: string | null, dow: number | null, st: string | null, et: string | null, s: Date | null, e: Date | null, kind: 'available' | 'unavailable' | null }>(statement(plain, lock ? 'sched-availability-lock' : 'sched-availability',
    `SELECT 'w' AS k, p.id, p.time_zone AS zone, w.day_of_week AS dow, w.start_time::text AS st, w.end_time::text AS et,
            NULL::timestamptz AS s, NULL::timestamptz AS e, NULL AS kind
       FROM players p LEFT JOIN availability_windows w ON w.player_id = p.id WHERE p.id = ANY($1::uuid[])
     UNION ALL
     SELECT 'x', player_id, NULL, NULL, NULL, NULL, starts_at, ends_at, kind FROM availability_exceptions
      WHERE player_id = ANY($1::uuid[]) AND ends_at > $2 AND starts_at < $3
     UNION ALL
     SELECT 'f', (SELECT id FROM friendships WHERE least(requester_id, addressee_id) = least($4::uuid, $5::uuid)
        AND greatest(requester_id, addressee_id) = greatest($4::uuid, $5::uuid) AND status = 'accepted' ${lock ? 'FOR SHARE' : ''}),
        NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE $4::uuid IS NOT NULL`,
    [playerIds, new Date(from), new Date(to), friends?.[0] ?? null, friends?.[1] ?? null]))
  const out: Map<string, PlayerAvailability> & { friends?: boolean } = new Map()
  for (const r of rows) {
    if (r.k === 'f') {
      out.friends = r.id !== null
    } else if (r.k === 'w' && r.id !== null && r.zone !== null) {
      let a = out.get(r.id)
      if (a === undefined) out.set(r.id, a = { zone: r.zone, windows: [], exceptions: [] })
      // time '24:00' is stored as 24:00:00 and means the end of the day
      if (r.dow !== null && r.st !== null && r.et !== null) a.windows.push({ dayOfWeek: r.dow, startMinute: minutes(r.st), endMinute: minutes(r.et) })
    }
  }
  for (const r of rows) {
    if (r.k === 'x' && r.id !== null && r.s !== null && r.e !== null && r.kind !== null) out.get(r.id)?.exceptions.push({ start: r.s.getTime(), end: r.e.getTime(), kind: r.kind })
  }
  return out
}

export function intervalsOf (a: PlayerAvailability | undefined, from: number, to: number): Interval[] {
  return a === undefined ? [] : availableIntervals(a.windows, a.exceptions, a.zone, from, to)
}

/**
 * One player's scheduled sessions overlapping tstzrange($3, $4); $1 or $2 names the player. Each branch
 * has "player_id = x" so both columns of the exclusion constraint's GiST index are index conditions:
 * GiST cannot search "= ANY(array)", so "player_id = ANY($1)" scanned every session in the range.
 */
const busyOf = (n: 1 | 2) => `SELECT lower(during) AS lo, upper(during) AS hi FROM session_participants
  WHERE player_id = $${n}::uuid AND status = 'scheduled' AND during && tstzrange($3, $4)`
export const BUSY_SQL = `${busyOf(1)} UNION ALL ${busyOf(2)}`

/** Scheduled sessions of one player or a pair overlapping [from, to), merged. */
export async function busyIntervals (db: Db, playerIds: string[], from: number, to: number, plain: boolean): Promise<Interval[]> {
  if (playerIds.length < 1 || playerIds.length > 2) throw new Error('busyIntervals takes one player or a pair')
  const { rows } = await db.query<{ lo: Date, hi: Date }>(statement(plain, 'sched-busy', BUSY_SQL,
    [playerIds[0], playerIds[1] ?? null, new Date(from), new Date(to)]))
  return merge(rows.map((r) => ({ start: r.lo.getTime(), end: r.hi.getTime() })))
}
