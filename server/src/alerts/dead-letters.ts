import crypto from 'node:crypto'
import type pg from 'pg'
import { storable } from './storable.js'
import type { Rejected } from './webhook-input.js'

import type { DeadLetter } from './dead-letter-schemas.js'
export type { DeadLetter }

export type DeadLetters = ReturnType<typeof createDeadLetters>

const text = (v: unknown) => (typeof v === 'string' ? storable(v.slice(0, 512)) : null)

/** The alerts that could not be stored as sent, kept with the reason (tw_alert_dead_letters). */
export function createDeadLetters (pool: pg.Pool) {
  return {
    /** Keeps them all in one statement; the same alert refused again for the same reason counts again. */
    async add (rejected: Rejected[]): Promise<void> {
      if (rejected.length === 0) return
      const rows = rejected.map((r) => {
        // JSON.stringify escapes U+0000 and lone surrogates, so the text is always storable.
        const raw = JSON.stringify(r.raw) ?? 'null'
        const a = r.raw as { fingerprint?: unknown, labels?: Record<string, unknown> } | null
        return {
          digest: crypto.createHash('sha256').update(`${r.reason}\0${raw}`).digest('hex'),
          reason: r.reason,
          message: storable(r.message),
          fingerprint: text(a?.fingerprint),
          alertname: text(a?.labels?.alertname),
          raw,
        }
      })
      // Duplicates within one batch would make ON CONFLICT touch a row twice.
      const unique = [...new Map(rows.map((r) => [r.digest, r])).values()]
      await pool.query(`
        INSERT INTO tw_alert_dead_letters AS d (digest, reason, message, fingerprint, alertname, raw)
        SELECT digest, reason, message, fingerprint, alertname, raw
        FROM jsonb_to_recordset($1::jsonb) AS x(digest text, reason text, message text, fingerprint text, alertname text, raw text)
        ON CONFLICT (digest) DO UPDATE SET received_count = d.received_count + 1, last_received_at = now(), message = EXCLUDED.message`,
      [JSON.stringify(unique)])
    },

    /** Newest first; `before` is the id of the last one of the previous page. */
    async list (limit: number, before?: string): Promise<{ total: number, deadLetters: DeadLetter[] }> {
      const r = await pool.query<{ total: string, id: string, reason: string, message: string, fingerprint: string | null, alertname: string | null, raw: string, received_count: number, first_received_at: Date, last_received_at: Date }>(`
        SELECT (SELECT count(*) FROM tw_alert_dead_letters) AS total, d.* FROM (
          SELECT * FROM tw_alert_dead_letters WHERE $2::bigint IS NULL OR id < $2
          ORDER BY id DESC LIMIT $1) d RIGHT JOIN (SELECT 1) one ON true`, [limit, before ?? null])
      return {
        total: Number(r.rows[0]?.total ?? 0),
        deadLetters: r.rows.filter((x) => x.id !== null).map((x) => ({
          id: String(x.id),
          reason: x.reason,
          message: x.message,
          fingerprint: x.fingerprint,
          alertname: x.alertname,
          raw: x.raw,
          receivedCount: x.received_count,
          firstReceivedAt: new Date(x.first_received_at).toISOString(),
          lastReceivedAt: new Date(x.last_received_at).toISOString(),
        })),
      }
    },

    async prune (retentionDays: number): Promise<number> {
      const r = await pool.query('DELETE FROM tw_alert_dead_letters WHERE last_received_at < now() - make_interval(days => $1)', [retentionDays])
      return r.rowCount ?? 0
    },
  }
}
