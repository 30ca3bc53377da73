import type pg from 'pg'
import type { AlertRow } from './rows.js'

export interface ListFilter {
  state?: 'firing' | 'resolved'
  severities?: string[]
  labels?: Array<[string, string]>
  since?: Date
  until?: Date
  limit: number
  cursor?: { updatedAt: string, id: string }
}

/** Newest change first. `cursor_at` is updated_at in PostgreSQL's own text form, exact to the microsecond, for paging. */
export async function listAlerts (pool: pg.Pool, f: ListFilter): Promise<{ lastEventId: number, rows: Array<AlertRow & { cursor_at: string }> }> {
  const where: string[] = []
  const args: unknown[] = []
  const arg = (v: unknown) => { args.push(v); return `$${args.length}` }
  if (f.state !== undefined) where.push(`status = ${arg(f.state)}`)
  if (f.severities !== undefined && f.severities.length > 0) where.push(`severity = ANY(${arg(f.severities)}::text[])`)
  for (const [k, v] of f.labels ?? []) where.push(`labels @> ${arg(JSON.stringify({ [k]: v }))}::jsonb`)
  // Time filters keep alerts that were active at some point in [since, until].
  if (f.since !== undefined) where.push(`(ends_at IS NULL OR ends_at >= ${arg(f.since)})`)
  if (f.until !== undefined) where.push(`starts_at <= ${arg(f.until)}`)
  if (f.cursor !== undefined) where.push(`(updated_at, id) < (${arg(f.cursor.updatedAt)}::timestamptz, ${arg(f.cursor.id)}::bigint)`)
  const sql = `SELECT (SELECT max(id) FROM tw_alert_events) AS last, a.updated_at::text AS cursor_at, a.* FROM (
      SELECT * FROM tw_alerts ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY updated_at DESC, id DESC LIMIT ${arg(f.limit)}) a RIGHT JOIN (SELECT 1) one ON true`
  const r = await pool.query<AlertRow & { last: string | null, cursor_at: string }>(sql, args)
  return { lastEventId: Number(r.rows[0]?.last ?? 0), rows: r.rows.filter((x) => x.id !== null) }
}
