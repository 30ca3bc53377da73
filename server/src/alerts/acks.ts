import type pg from 'pg'
import { rowToEvent, type EventRow } from './rows.js'
import { withEventLock } from './store.js'
import type { AlertEvent } from './types.js'

/** Runs one statement under the event writer lock, so its event id commits in order (see store.ts). */
async function underLock (pool: pg.Pool, sql: string, args: unknown[]): Promise<EventRow | undefined> {
  return await withEventLock(pool, async (c) => (await c.query<EventRow>(sql, args)).rows[0])
}

const EVENT = "INSERT INTO tw_alert_events (alert_id, kind, alert) SELECT id, 'ack', to_jsonb(up) - 'previous_status' - 'quiet' FROM up RETURNING id, kind, at, alert"

export type AckResult = AlertEvent | 'missing' | 'resolved'

/**
 * Acknowledges a firing alert, for `forMinutes` or until it resolves. A resolved alert cannot be
 * acknowledged: the incident is over (a new one comes with a new start time and a new row).
 */
export async function ackAlert (pool: pg.Pool, id: string, by: string, note: string, forMinutes: number | undefined): Promise<AckResult> {
  const row = await underLock(pool, `
    WITH up AS (UPDATE tw_alerts SET ack_by = $2, ack_at = now(), ack_note = $3,
        ack_until = CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(mins => $4::int) END, updated_at = now()
      WHERE id = $1 AND status = 'firing' RETURNING *)
    ${EVENT}`, [id, by, note, forMinutes ?? null])
  if (row !== undefined) return rowToEvent(row)
  return await status(pool, id) === undefined ? 'missing' : 'resolved'
}

/** Takes an acknowledgement back; the alert is unacknowledged again everywhere. */
export async function unackAlert (pool: pg.Pool, id: string): Promise<AlertEvent | 'missing'> {
  const row = await underLock(pool, `
    WITH up AS (UPDATE tw_alerts SET ack_by = NULL, ack_at = NULL, ack_note = NULL, ack_until = NULL, updated_at = now()
      WHERE id = $1 RETURNING *)
    ${EVENT}`, [id])
  return row === undefined ? 'missing' : rowToEvent(row)
}

async function status (pool: pg.Pool, id: string): Promise<string | undefined> {
  return (await pool.query<{ status: string }>('SELECT status FROM tw_alerts WHERE id = $1', [id])).rows[0]?.status
}
