import type pg from 'pg'

export type Db = Pick<pg.PoolClient, 'query'>

/**
 * Runs fn in one transaction on one connection. On the embedded PGlite (one session)
 * fn must never wait on another pool query: that query would wait for this transaction.
 */
export async function withTx<T> (pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { broken = true })
    throw err
  } finally {
    client.release(broken)
  }
}

export interface AuditEntry {
  actor: string
  action: string
  entity: string
  entityId: string
  before?: unknown
  after?: unknown
}

/** Audit rows go in the same transaction as the change they describe: both or neither. */
export async function audit (db: Db, requestId: string | null, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return
  const values: unknown[] = []
  const rows = entries.map((e, i) => {
    values.push(e.actor, e.action, e.entity, e.entityId, json(e.before), json(e.after), requestId)
    const b = i * 7
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb, $${b + 6}::jsonb, $${b + 7})`
  })
  await db.query(`INSERT INTO audit_log (actor, action, entity, entity_id, before, after, request_id) VALUES ${rows.join(', ')}`, values)
}

function json (v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v)
}

/**
 * A named (server-side prepared) statement for the hot path, unless `plain`: on the embedded
 * PGlite (its one session is shared by every connection, so a name one connection prepared would
 * collide when the next connection prepares it) and behind a transaction-pooling PgBouncer (the
 * next transaction may run on a server connection that never saw the name).
 */
export function statement (plain: boolean, name: string, text: string, values: unknown[]): pg.QueryConfig {
  return plain ? { text, values } : { name, text, values }
}

const preparedOn = new WeakMap<pg.PoolClient, Set<string>>()

/**
 * SQL text that runs a server-side prepared statement (SQL PREPARE, once per connection; it survives
 * a rollback) with literal arguments. Unlike a protocol-level named statement it can share one
 * simple-query message, and so one round trip, with other statements, and it keeps its cached plan.
 * With `plain` (see statement()) it returns the statement itself with its arguments inlined as typed
 * literals instead: still one round trip, planned each time, and safe on any pooled connection.
 */
export async function preparedCall (client: pg.PoolClient, name: string, text: string, types: string[], values: Array<string | null>, plain: boolean): Promise<string> {
  if (plain) return inlineArguments(client, text, types, values)
  let names = preparedOn.get(client)
  if (names === undefined) preparedOn.set(client, names = new Set())
  if (!names.has(name)) {
    await client.query(`PREPARE ${name} (${types.join(', ')}) AS ${text}`)
    names.add(name)
  }
  return `EXECUTE ${name} (${values.map((v) => v === null ? 'NULL' : client.escapeLiteral(v)).join(', ')})`
}

/**
 * `text` with each $n replaced by the n-th value as an escaped literal cast to the n-th type. Only for
 * TovWatch's own constant SQL, which has no dollar quoting and no "$n" inside string literals.
 */
export function inlineArguments (client: Pick<pg.PoolClient, 'escapeLiteral'>, text: string, types: string[], values: Array<string | null>): string {
  if (types.length !== values.length) throw new Error(`inlineArguments: ${types.length} types for ${values.length} values`)
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1
    if (i < 0 || i >= values.length) throw new Error(`inlineArguments: $${n} has no value`)
    const v = values[i] as string | null
    return `(${v === null ? 'NULL' : client.escapeLiteral(v)}::${types[i] as string})`
  })
}
