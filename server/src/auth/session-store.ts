import crypto from 'node:crypto'
import type pg from 'pg'
import type { Role } from '../config.js'

/**
 * Login sessions and revoked embed tokens, in TovWatch's own store (TOVWATCH_DATABASE_URL), so
 * that a logout or an admin's "end session" holds in every instance at once. The cookie only
 * names a session; every request reads it back.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS tovwatch_sessions (
  id text PRIMARY KEY,
  token_key text NOT NULL,
  name text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  ended_by text,
  client text,
  user_agent text
);
CREATE INDEX IF NOT EXISTS tovwatch_sessions_expires_idx ON tovwatch_sessions (expires_at);
CREATE TABLE IF NOT EXISTS tovwatch_embed_revoked (
  id text PRIMARY KEY,
  revoked_at timestamptz NOT NULL DEFAULT now(),
  revoked_by text NOT NULL
);`

export interface SessionRow {
  id: string
  token_key: string
  name: string
  role: Role
  created_at: Date
  expires_at: Date
  last_seen_at: Date
  ended_at: Date | null
  client: string | null
  user_agent: string | null
}

export interface NewSession { tokenKey: string, name: string, role: Role, ttlSeconds: number, client: string, userAgent: string | undefined }

const TOUCH_EVERY_MS = 60_000

export function createSessionStore (pool: pg.Pool) {
  let ready: Promise<void> | undefined
  const ensure = () => {
    ready ??= pool.query(SCHEMA).then(() => {}, (err: unknown) => { ready = undefined; throw err })
    return ready
  }
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[]) => { await ensure(); return await pool.query<R>(sql, params) }

  return {
    ensure,
    async create (s: NewSession): Promise<string> {
      const id = crypto.randomBytes(16).toString('base64url')
      await q(`INSERT INTO tovwatch_sessions (id, token_key, name, role, expires_at, client, user_agent)
        VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::float8), $6, $7)`,
      [id, s.tokenKey, s.name, s.role, s.ttlSeconds, s.client.slice(0, 100), s.userAgent?.slice(0, 200) ?? null])
      // Housekeeping on login: sessions long over are of no use to anyone.
      await pool.query("DELETE FROM tovwatch_sessions WHERE expires_at < now() - interval '7 days'").catch(() => {})
      return id
    },
    /** The session if it is open (not ended, not expired); its last-seen time is refreshed once a minute. */
    async get (id: string): Promise<SessionRow | undefined> {
      const r = await q<SessionRow>('SELECT * FROM tovwatch_sessions WHERE id = $1 AND ended_at IS NULL AND expires_at > now()', [id])
      const row = r.rows[0]
      if (row !== undefined && Date.now() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
        pool.query('UPDATE tovwatch_sessions SET last_seen_at = now() WHERE id = $1', [id]).catch(() => {})
      }
      return row
    },
    async list (): Promise<SessionRow[]> {
      const r = await q<SessionRow>('SELECT * FROM tovwatch_sessions WHERE ended_at IS NULL AND expires_at > now() ORDER BY last_seen_at DESC LIMIT 1000', [])
      return r.rows
    },
    /** Ends a session; false when there was no open one. */
    async end (id: string, by: string): Promise<boolean> {
      const r = await q('UPDATE tovwatch_sessions SET ended_at = now(), ended_by = $2 WHERE id = $1 AND ended_at IS NULL', [id, by])
      return (r.rowCount ?? 0) > 0
    },
    async embedRevoked (id: string): Promise<boolean> {
      const r = await q('SELECT 1 FROM tovwatch_embed_revoked WHERE id = $1', [id])
      return r.rows.length > 0
    },
    /** Adds an embed token id to the deny list; false when it was already there. */
    async revokeEmbed (id: string, by: string): Promise<boolean> {
      const r = await q('INSERT INTO tovwatch_embed_revoked (id, revoked_by) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, by])
      return (r.rowCount ?? 0) > 0
    },
  }
}

export type SessionStore = ReturnType<typeof createSessionStore>
