import type pg from 'pg'
import { audit, withTx } from './db.js'

/** Default of IDEMPOTENCY_KEY_TTL_H: how long a retry with the same key gets the first answer. */
export const IDEMPOTENCY_TTL_H = 24

/**
 * Marks pending requests whose start has passed as expired and finished sessions as
 * completed, each with an audit row by 'system', in one short transaction. Reads already
 * show these states before the sweep (status is computed on read); the sweep makes them
 * true in the table too. Old idempotency keys are dropped (housekeeping, not audited).
 */
export async function sweep (pool: pg.Pool, batch = 500, idempotencyTtlH = IDEMPOTENCY_TTL_H): Promise<{ expired: number, completed: number }> {
  return withTx(pool, async (db) => {
    const expired = await db.query(`UPDATE session_requests SET status = 'expired' WHERE id IN (
        SELECT id FROM session_requests WHERE status = 'pending' AND starts_at <= now() ORDER BY starts_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING *`, [batch])
    const completed = await db.query(`UPDATE sessions SET status = 'completed' WHERE id IN (
        SELECT id FROM sessions WHERE status = 'scheduled' AND ends_at <= now() ORDER BY ends_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING *`, [batch])
    await audit(db, null, [
      ...expired.rows.map((r) => ({ actor: 'system', action: 'session_request.expire', entity: 'session_requests', entityId: r.id, before: { ...r, status: 'pending' }, after: r })),
      ...completed.rows.map((r) => ({ actor: 'system', action: 'session.complete', entity: 'sessions', entityId: r.id, before: { ...r, status: 'scheduled' }, after: r })),
    ])
    await db.query('DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)', [idempotencyTtlH])
    return { expired: expired.rowCount ?? 0, completed: completed.rowCount ?? 0 }
  })
}
