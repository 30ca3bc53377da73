import type { FastifyRequest } from 'fastify'
import type pg from 'pg'
import { forbidden, SchedError } from './errors.js'
import type { SchedMetrics } from './metrics.js'
import type { AdminCaller, Caller, PlayerCaller, TokenCache } from './tokens.js'

declare module 'fastify' {
  interface FastifyRequest {
    schedCaller: Caller | undefined
  }
}

export interface SchedState { ready: boolean, error: string | null, applied: string[], expected: number }

/** What every scheduling route gets: the pool, the counters and the migration state. */
export interface SchedContext {
  pool: pg.Pool
  metrics: SchedMetrics
  state: SchedState
  /** The embedded PGlite: one shared session, queries one at a time (serialPool). */
  embedded: boolean
  /** No server-side named or prepared statements: embedded, or DATABASE_POOL_MODE=transaction. */
  plain: boolean
  tokenCache: TokenCache
}

export function player (request: FastifyRequest): PlayerCaller {
  const c = request.schedCaller
  if (c?.kind !== 'player') throw forbidden('This needs a player\'s personal API token (the admin token can create players and issue tokens).')
  return c
}

export function admin (request: FastifyRequest): AdminCaller {
  const c = request.schedCaller
  if (c?.kind !== 'admin') throw forbidden('This needs a TovWatch admin token.')
  return c
}

export function caller (request: FastifyRequest): Caller {
  const c = request.schedCaller
  if (c === undefined) throw new SchedError(401, 'Send "Authorization: Bearer <token>".')
  return c
}

export const actorOf = (c: Caller) => c.kind === 'player' ? `player:${c.id}` : `admin:${c.name}`
