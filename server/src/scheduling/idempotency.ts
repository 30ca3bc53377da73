import crypto from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type pg from 'pg'
import { badRequest, conflict, SchedError } from './errors.js'
import { callerId, type Caller } from './tokens.js'

/**
 * commitWith: SQL that the work leaves to be sent in one message with the idempotency record and COMMIT.
 * replay: what a retry with the same key answers, stored instead of status and body. For an answer
 * that holds a secret shown once (a new token): the secret must not sit in idempotency_keys (nor in
 * the backups of it), so the route stores an answer without it.
 */
export interface WriteResult<T> {
  status: number
  body: T
  onCommit?: () => void
  commitWith?: string | undefined
  replay?: { status: number, body: unknown }
}

interface Stored { request_hash: string, status_code: number | null, response: unknown }

const KEY_RE = /^[\x21-\x7e]{1,200}$/

function stable (v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(stable).join(',') + ']'
  if (v !== null && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stable((v as Record<string, unknown>)[k])).join(',') + '}'
  }
  return JSON.stringify(v) ?? 'null'
}

export function requestHash (method: string, path: string, body: unknown): string {
  return crypto.createHash('sha256').update(`${method} ${path}\n${stable(body ?? null)}`).digest('hex')
}

/**
 * SQL for the claim's own message (one round trip), after the claim: it must do nothing unless
 * this transaction holds the key (a row for held.caller and held.key with status_code NULL is
 * visible only to its holder). Its result goes to work as `batched`.
 */
export interface Held { caller: string, key: string }
export type ClaimBatch = (client: pg.PoolClient, held: Held) => Promise<string>

/**
 * A POST that a client may retry. The key, the request's hash and the response are written
 * in the same transaction as the change, so a retry gets the first answer (same status and
 * body) and a crash leaves neither. A concurrent duplicate waits on the unique key until the
 * first commits, then gets its answer (or the work's `replay` answer, when the first holds a
 * secret). Refusals (4xx) roll back and store nothing: a retry is judged afresh.
 */
export async function idempotent<T> (pool: pg.Pool, request: FastifyRequest, reply: FastifyReply, caller: Caller,
  work: (client: pg.PoolClient, batched: pg.QueryResult | undefined, held: Held) => Promise<WriteResult<T>>, batch?: ClaimBatch): Promise<T> {
  const raw = request.headers['idempotency-key']
  const key = Array.isArray(raw) ? raw[0] : raw
  if (key === undefined || key === '') throw badRequest('Every POST needs an Idempotency-Key header (e.g. a UUID), so a retry cannot do the change twice.')
  if (!KEY_RE.test(key)) throw badRequest('The Idempotency-Key header must be 1 to 200 printable ASCII characters.')
  const who = callerId(caller)
  const path = request.url.split('?')[0] ?? request.url
  const hash = requestHash(request.method, path, request.body)
  const held: Held = { caller: who, key }

  let replay: Stored | undefined
  let committed: WriteResult<T> | undefined
  const client = await pool.connect()
  let broken = false
  try {
    // Literals, not parameters, so that BEGIN+claim and save+COMMIT each take one round trip.
    const lit = (v: string) => client.escapeLiteral(v)
    const owner = `caller = ${lit(who)} AND key = ${lit(key)}`
    const claim = await client.query(`BEGIN; INSERT INTO idempotency_keys (caller, key, method, path, request_hash)
      VALUES (${lit(who)}, ${lit(key)}, ${lit(request.method)}, ${lit(path)}, ${lit(hash)}) ON CONFLICT (caller, key) DO NOTHING RETURNING key${
        batch === undefined ? '' : `; ${await batch(client, held)}`}`) as unknown as pg.QueryResult[]
    if (claim[1]?.rowCount === 1) {
      const result = await work(client, claim[2], held)
      const stored = result.replay ?? result
      await client.query(`${result.commitWith !== undefined ? `${result.commitWith}; ` : ''}UPDATE idempotency_keys SET status_code = ${Math.trunc(stored.status)}, response = ${lit(JSON.stringify(stored.body))}::jsonb WHERE ${owner}; COMMIT`)
      committed = result
    } else {
      // The key exists: committed by an earlier request, or by a concurrent one we just waited for.
      replay = (await client.query<Stored>(`SELECT request_hash, status_code, response FROM idempotency_keys WHERE ${owner}`)).rows[0]
      await client.query('ROLLBACK')
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { broken = true })
    throw err
  } finally {
    client.release(broken)
  }

  if (committed !== undefined) {
    committed.onCommit?.()
    reply.code(committed.status)
    return committed.body
  }
  if (replay === undefined || replay.status_code === null) {
    throw conflict('A request with this Idempotency-Key is still in progress. Retry in a moment.')
  }
  if (replay.request_hash !== hash) {
    throw new SchedError(422, 'This Idempotency-Key was already used with a different request. Use a new key for a new request.')
  }
  reply.header('idempotent-replayed', 'true')
  reply.code(replay.status_code)
  return replay.response as T
}
