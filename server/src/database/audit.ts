import type pg from 'pg'

/** Admin actions on the monitored database, kept in TovWatch's own store. */
export async function ensureAuditTable (store: pg.Pool): Promise<void> {
  await store.query(`CREATE TABLE IF NOT EXISTS tovwatch_admin_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    via text NOT NULL,
    action text NOT NULL,
    params jsonb NOT NULL,
    result jsonb,
    request_id text
  )`)
}

export interface AuditEntry { actor: string, via: string, action: string, params: unknown, requestId: string }

/** Written BEFORE the action: if the store is down, the action does not happen. */
export async function auditStart (store: pg.Pool, e: AuditEntry): Promise<string> {
  await ensureAuditTable(store)
  const r = await store.query<{ id: string }>(
    'INSERT INTO tovwatch_admin_audit (actor, via, action, params, request_id) VALUES ($1, $2, $3, $4, $5) RETURNING id::text',
    [e.actor, e.via, e.action, JSON.stringify(e.params), e.requestId])
  return r.rows[0]?.id ?? ''
}

export async function auditResult (store: pg.Pool, id: string, result: unknown): Promise<void> {
  await store.query('UPDATE tovwatch_admin_audit SET result = $2 WHERE id = $1::int8', [id, JSON.stringify(result)])
}
