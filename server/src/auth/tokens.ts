import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Role } from '../config.js'

export interface Principal {
  name: string
  role: Role
  via: 'token' | 'session' | 'embed'
  /** Which configured token this is (or a session was opened with): a hash of its hash, never the secret. */
  tokenKey?: string
  /** The login session behind a cookie. */
  sessionId?: string
  /** An embed token's panel ('*' for all) and id. */
  embed?: { panel: string, id: string }
}

interface StoredToken {
  name: string
  role: Role
  hash: Buffer
  key: string
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest()
/** Names a token in the session store without storing anything that would prove it. */
const keyOf = (hash: Buffer) => crypto.createHash('sha256').update(hash).digest('hex').slice(0, 32)

/**
 * Bearer tokens for the dashboard and its API. Only hashes are kept in memory.
 * Every stored hash is compared with timingSafeEqual, so the time taken tells
 * nothing about which token (or how much of one) matched.
 */
export function createTokenStore (tokens: Array<{ name: string, role: Role, secret: string }>) {
  const stored: StoredToken[] = tokens.map((t) => { const hash = sha256(t.secret); return { name: t.name, role: t.role, hash, key: keyOf(hash) } })
  return {
    size: () => stored.length,
    add: (name: string, role: Role, hash: Buffer) => { stored.push({ name, role, hash, key: keyOf(hash) }) },
    /** The token a session was opened with, as configured now (its role may have changed); undefined once removed. */
    byKey (key: string): { name: string, role: Role } | undefined {
      const t = stored.find((x) => x.key === key)
      return t && { name: t.name, role: t.role }
    },
    verify (presented: string): Principal | undefined {
      const h = sha256(presented)
      let found: StoredToken | undefined
      for (const t of stored) {
        if (crypto.timingSafeEqual(t.hash, h) && found === undefined) found = t
      }
      return found && { name: found.name, role: found.role, via: 'token', tokenKey: found.key }
    },
  }
}

export type TokenStore = ReturnType<typeof createTokenStore>

/**
 * With no TOVWATCH_TOKENS configured, generate one admin token on first start,
 * hand it back once to be printed, and keep only its hash in the data directory.
 */
export function ensureGeneratedAdminToken (dataDir: string): { hash: Buffer, printOnce?: string } {
  const file = path.join(dataDir, 'admin-token.sha256')
  try {
    const hex = fs.readFileSync(file, 'utf8').trim()
    if (/^[0-9a-f]{64}$/.test(hex)) return { hash: Buffer.from(hex, 'hex') }
  } catch {}
  const token = 'tw_' + crypto.randomBytes(24).toString('base64url')
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, sha256(token).toString('hex') + '\n', { mode: 0o600 })
  return { hash: sha256(token), printOnce: token }
}

/** A secret kept in the data directory when the environment gives none (session and embed signing). */
export function loadOrCreateSecret (dataDir: string, fileName: string, fromEnv: string | undefined): string {
  if (fromEnv !== undefined) return fromEnv
  const file = path.join(dataDir, fileName)
  try {
    const s = fs.readFileSync(file, 'utf8').trim()
    if (s.length >= 32) return s
  } catch {}
  const secret = crypto.randomBytes(32).toString('base64url')
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}
