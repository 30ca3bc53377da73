import { Type, type Static } from 'typebox'
import type pg from 'pg'

/**
 * Reading the audit trail: newest first, filtered by the request that wrote it (the request id
 * the scheduling core logs with each line, so a log line leads to what its request changed) and
 * by the entity. Used by GET /api/audit (scheduling API) and GET {BASE_PATH}/api/scheduling/audit.
 */
export const AuditQuery = Type.Object({
  requestId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description: 'the request id a log line names' })),
  entity: Type.Optional(Type.String({ pattern: '^[a-z_]{1,64}$', description: 'a table name, e.g. sessions' })),
  entityId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
}, { additionalProperties: false })

export const AuditEntryT = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  entity: Type.String(),
  entityId: Type.String(),
  requestId: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
})

export const AuditList = Type.Object({
  measuredAt: Type.String(),
  items: Type.Array(AuditEntryT),
  page: Type.Object({ limit: Type.Integer(), offset: Type.Integer(), nextOffset: Type.Union([Type.Integer(), Type.Null()]) }),
})

interface Row { id: string, at: Date, actor: string, action: string, entity: string, entity_id: string, request_id: string | null, before: unknown, after: unknown }

export async function readAudit (pool: Pick<pg.Pool, 'query'>, q: Static<typeof AuditQuery>): Promise<Static<typeof AuditList>> {
  const where: string[] = []
  const values: unknown[] = []
  if (q.requestId !== undefined) where.push(`request_id = $${values.push(q.requestId)}`)
  if (q.entity !== undefined) where.push(`entity = $${values.push(q.entity)}`)
  if (q.entityId !== undefined) where.push(`entity_id = $${values.push(q.entityId)}`)
  const sql = `SELECT id::text, at, actor, action, entity, entity_id, request_id, before, after FROM audit_log
    ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${values.push(q.limit + 1)} OFFSET $${values.push(q.offset)}`
  const { rows } = await pool.query<Row>(sql, values)
  return {
    measuredAt: new Date().toISOString(),
    items: rows.slice(0, q.limit).map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, entity: r.entity, entityId: r.entity_id, requestId: r.request_id, before: r.before, after: r.after })),
    page: { limit: q.limit, offset: q.offset, nextOffset: rows.length > q.limit ? q.offset + q.limit : null },
  }
}
