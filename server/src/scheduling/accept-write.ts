import crypto from 'node:crypto'
import type pg from 'pg'
import { preparedCall } from './db.js'
import type { LockedRequest } from './request-lock.js'

/**
 * One statement: the session (its participants rows come from a trigger, under the exclusion
 * constraint), the request's new state and both audit rows. The session id is chosen here, so the
 * answer is known before the write and the write can travel with the commit.
 */
const SQL = `WITH s AS (
    INSERT INTO sessions (id, request_id, organizer_id, invitee_id, game_id, starts_at, ends_at)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::timestamptz, $7::timestamptz) RETURNING *),
  u AS (UPDATE session_requests SET status = 'accepted', session_id = (SELECT id FROM s), responded_at = now() WHERE id = $2::uuid RETURNING *)
  INSERT INTO audit_log (actor, action, entity, entity_id, before, after, request_id)
    SELECT $8::text, 'session_request.accept', 'session_requests', u.id::text, $9::jsonb, to_jsonb(u), $10::text FROM u
    UNION ALL SELECT $8::text, 'session.schedule', 'sessions', s.id::text, NULL, to_jsonb(s), $10::text FROM s`
const TYPES = ['uuid', 'uuid', 'uuid', 'uuid', 'uuid', 'timestamptz', 'timestamptz', 'text', 'jsonb', 'text']

/**
 * The accept's write. On PostgreSQL it returns SQL text (EXECUTE of a statement prepared once per
 * connection) for the caller to send in the same message as the idempotency record and COMMIT;
 * on the embedded PGlite (one session shared by every connection, so no per-connection names)
 * it runs the write itself and returns undefined. With `plain` (transaction pooling) the SQL text
 * carries its arguments inline instead of an EXECUTE.
 */
export async function acceptWrite (db: pg.PoolClient, before: LockedRequest, actor: string, requestId: string, embedded: boolean, plain: boolean): Promise<{ sessionId: string, sql: string | undefined }> {
  const sessionId = crypto.randomUUID()
  const values = [sessionId, before.id, before.organizer_id, before.invitee_id, before.game_id, before.starts_at.toISOString(), before.ends_at.toISOString(),
    actor, JSON.stringify(before.before_json), requestId]
  if (embedded) {
    await db.query(SQL, values)
    return { sessionId, sql: undefined }
  }
  return { sessionId, sql: await preparedCall(db, 'tw_accept_write', SQL, TYPES, values, plain) }
}
