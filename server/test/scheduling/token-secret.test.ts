import crypto from 'node:crypto'
import type { MigrationBuilder } from 'node-pg-migrate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { up as scrubStoredTokens } from '../../src/scheduling/migrations/1764000000000_no-token-in-idempotency.js'
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { as, createPlayer, type TestPlayer } from './helpers.js'

const admin = (key: string) => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': key })

describe.skipIf(!(await have('postgres')))('personal API tokens are never stored in plain text (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let a: TestPlayer
  const issued: string[] = []
  const issue = (playerId: string, key: string, payload: object = { name: 'phone' }) =>
    t.app.inject({ method: 'POST', url: `/api/players/${playerId}/tokens`, headers: admin(key), payload })
  /** Every column of every row of the tables that keep answers and changes, as text. */
  const dumpOf = async (table: string) =>
    (await t.deps.pg.app.query<{ row: string }>(`SELECT row_to_json(x)::text AS row FROM ${table} x`)).rows.map((r) => r.row).join('\n')

  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_token_secret')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    a = await createPlayer(t.app, 'Ari', 'UTC', { allWeek: false })
    issued.push(a.token)
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  it('leaves no token, nor its secret part, in idempotency_keys, audit_log or api_tokens', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await issue(a.id, crypto.randomUUID(), { name: `device ${i}` })
      expect(r.statusCode, r.body).toBe(201)
      expect(r.json().token).toMatch(/^tvp_/)
      issued.push(r.json().token)
    }
    expect(issued).toHaveLength(4)
    const keys = await dumpOf('idempotency_keys')
    const audit = await dumpOf('audit_log')
    expect(keys).toContain('/tokens') // the issuing requests are recorded, only without the secret
    expect(audit).toContain('token.create')
    for (const text of [keys, audit, await dumpOf('api_tokens')]) {
      expect(text).not.toContain('tvp_')
      for (const token of issued) expect(text).not.toContain(token.slice(-43)) // the random secret part alone
    }
  })

  it('a retry with the same key does not show the token again: 409 token_shown_once with the token id, and no second token', async () => {
    const key = crypto.randomUUID()
    const first = await issue(a.id, key, { name: 'laptop' })
    expect(first.statusCode, first.body).toBe(201)
    const token = first.json().token as string
    const retry = await issue(a.id, key, { name: 'laptop' })
    expect(retry.statusCode, retry.body).toBe(409)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.json()).toMatchObject({ statusCode: 409, error: 'Conflict', reason: 'token_shown_once', tokenId: first.json().id })
    expect(retry.json().message).toMatch(/shown once.*new Idempotency-Key/)
    expect(retry.json()).not.toHaveProperty('token')
    expect(retry.body).not.toContain('tvp_')
    const n = await t.deps.pg.app.query('SELECT count(*)::int AS n FROM api_tokens WHERE player_id = $1 AND name = $2', [a.id, 'laptop'])
    expect(n.rows[0].n).toBe(1)
    // The first answer's token works; the same key with another body is still refused as before.
    expect((await t.app.inject({ method: 'GET', url: '/api/players/me', headers: as(token, null) })).statusCode).toBe(200)
    expect((await issue(a.id, key, { name: 'other' })).statusCode).toBe(422)
  })

  it('concurrent duplicates: one gets the token, the others the shown-once answer', async () => {
    const key = crypto.randomUUID()
    const results = await Promise.all(Array.from({ length: 5 }, () => issue(a.id, key, { name: 'tablet' })))
    const codes = results.map((r) => r.statusCode).sort()
    expect(codes).toEqual([201, 409, 409, 409, 409])
    const id = results.find((r) => r.statusCode === 201)?.json().id
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json()).toMatchObject({ reason: 'token_shown_once', tokenId: id })
  })

  it('the migration rewrites answers stored before the fix, so that an old key no longer shows the secret either', async () => {
    const key = crypto.randomUUID()
    const first = await issue(a.id, key, { name: 'old row' })
    expect(first.statusCode).toBe(201)
    const pool = t.deps.pg.app
    // As stored before the fix: the whole 201 answer, token included.
    await pool.query('UPDATE idempotency_keys SET status_code = 201, response = $2::jsonb WHERE key = $1', [key, JSON.stringify(first.json())])
    expect(await dumpOf('idempotency_keys')).toContain(first.json().token)

    const sql: string[] = []
    await scrubStoredTokens({ sql: (s: string) => { sql.push(s) } } as unknown as MigrationBuilder)
    for (const s of sql) await pool.query(s)

    expect(await dumpOf('idempotency_keys')).not.toContain('tvp_')
    const replay = await issue(a.id, key, { name: 'old row' })
    expect(replay.statusCode).toBe(409)
    expect(replay.json()).toMatchObject({ reason: 'token_shown_once', tokenId: first.json().id })
    expect(replay.json().message).toContain(first.json().expiresAt)
    // Other stored answers are left alone.
    const others = await pool.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE status_code = 201 AND path = $1', ['/api/players'])
    expect(others.rows[0].n).toBeGreaterThan(0)
  })
})
