import crypto from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Db } from './db.js'
import { unauthorized } from './errors.js'

export interface PlayerCaller { kind: 'player', id: string, displayName: string, zone: string, tokenId: string, expiresAt: number }
export interface AdminCaller { kind: 'admin', name: string }
export type Caller = PlayerCaller | AdminCaller

export const callerId = (c: Caller) => c.kind === 'player' ? `player:${c.id}` : `admin:${c.name}`

export const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest()
const TOKEN_RE = /^tvp_([A-Za-z0-9_-]{16})_([A-Za-z0-9_-]{43})$/

/** A new personal token: shown once; only a lookup prefix and its sha256 are stored. */
export function newPlayerToken (): { token: string, lookup: string, hash: Buffer } {
  const lookup = crypto.randomBytes(12).toString('base64url')
  const token = `tvp_${lookup}_${crypto.randomBytes(32).toString('base64url')}`
  return { token, lookup, hash: sha256(token) }
}

export const looksLikePlayerToken = (token: string) => TOKEN_RE.test(token)

/**
 * The player behind a personal token. The row is found by its non-secret prefix and the
 * hashes are compared in constant time, so timing tells nothing about the secret part.
 */
export async function verifyPlayerToken (db: Db, token: string, now = new Date()): Promise<PlayerCaller> {
  const m = TOKEN_RE.exec(token)
  if (m === null) throw unauthorized('The bearer token is not valid.')
  const { rows } = await db.query<{ id: string, token_hash: Buffer, expires_at: Date, revoked_at: Date | null, player_id: string, display_name: string, time_zone: string }>(
    `SELECT t.id, t.token_hash, t.expires_at, t.revoked_at, p.id AS player_id, p.display_name, p.time_zone
       FROM api_tokens t JOIN players p ON p.id = t.player_id WHERE t.lookup = $1`, [m[1]])
  const row = rows[0]
  const presented = sha256(token)
  const ok = row !== undefined && crypto.timingSafeEqual(row.token_hash, presented)
  if (row === undefined || !ok || row.revoked_at !== null) throw unauthorized('The bearer token is not valid.')
  if (row.expires_at <= now) throw unauthorized(`The token expired at ${row.expires_at.toISOString()}. Ask an admin for a new one.`)
  return { kind: 'player', id: row.player_id, displayName: row.display_name, zone: row.time_zone, tokenId: row.id, expiresAt: row.expires_at.getTime() }
}

/**
 * Verified tokens for a few seconds, keyed by the token's hash, so a booking does not spend a
 * round trip on auth. Expiry is still checked on every hit; a player's own update clears it.
 * Another instance may see a change up to TOKEN_CACHE_TTL_MS late.
 */
export const TOKEN_CACHE_TTL_MS = 10_000
export function createTokenCache () {
  return new LRUCache<string, PlayerCaller>({ max: 10_000, ttl: TOKEN_CACHE_TTL_MS })
}
export type TokenCache = ReturnType<typeof createTokenCache>

export async function playerFromToken (db: Db, cache: TokenCache, token: string): Promise<PlayerCaller> {
  const key = sha256(token).toString('hex')
  const hit = cache.get(key)
  if (hit !== undefined) {
    if (hit.expiresAt <= Date.now()) throw unauthorized(`The token expired at ${new Date(hit.expiresAt).toISOString()}. Ask an admin for a new one.`)
    return hit
  }
  const caller = await verifyPlayerToken(db, token)
  cache.set(key, caller)
  return caller
}
