import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, admin, player, type SchedContext } from '../context.js'
import { audit, withTx } from '../db.js'
import { notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, IdempotencyHeaders, IdParams, listOf, MAX_NAME, page, PageQuery, Uuid } from '../schemas.js'
import { newPlayerToken } from '../tokens.js'

const TokenInfo = Type.Object({ id: Uuid, name: Type.String(), createdAt: Type.String(), expiresAt: Type.String(), revokedAt: Type.Union([Type.String(), Type.Null()]) })

/** Personal API tokens: issued by an admin (shown once), listed and revoked by their player. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.post('/api/players/:id/tokens', {
    schema: {
      headers: IdempotencyHeaders,
      params: IdParams,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_NAME }), expiresInDays: Type.Integer({ minimum: 1, maximum: 366, default: 90 }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Uuid, playerId: Uuid, name: Type.String(), token: Type.String({ description: 'shown once; only its hash is stored' }), expiresAt: Type.String() }), ...errors },
    },
  }, async (request, reply) => {
    const a = admin(request)
    return idempotent(pool, request, reply, a, async (db) => {
      const exists = await db.query('SELECT 1 FROM players WHERE id = $1', [request.params.id])
      if (exists.rowCount === 0) throw notFound('No player with this id.')
      const t = newPlayerToken()
      const { rows } = await db.query<{ id: string, expires_at: Date }>(
        `INSERT INTO api_tokens (player_id, name, lookup, token_hash, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))
         RETURNING id, expires_at`, [request.params.id, request.body.name, t.lookup, t.hash, request.body.expiresInDays])
      const row = rows[0] as { id: string, expires_at: Date }
      const after = { id: row.id, playerId: request.params.id, name: request.body.name, expiresAt: row.expires_at.toISOString() }
      await audit(db, request.id, [{ actor: actorOf(a), action: 'token.create', entity: 'api_tokens', entityId: row.id, after }])
      request.log.info({ event: 'token.created', tokenId: row.id, playerId: request.params.id }, 'player token issued')
      return { status: 201, body: { ...after, token: t.token } }
    })
  })

  app.get('/api/players/me/tokens', { schema: { querystring: PageQuery, response: { 200: listOf(TokenInfo), ...errors } } }, async (request) => {
    const p = player(request)
    const q = request.query
    const { rows } = await pool.query<{ id: string, name: string, created_at: Date, expires_at: Date, revoked_at: Date | null }>(
      'SELECT id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE player_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3', [p.id, q.limit + 1, q.offset])
    return page(rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString(), expiresAt: r.expires_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null })), q)
  })

  app.delete('/api/players/me/tokens/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const p = player(request)
    await withTx(pool, async (db) => {
      const { rows } = await db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND player_id = $2 AND revoked_at IS NULL RETURNING id, name, expires_at, revoked_at', [request.params.id, p.id])
      if (rows[0] === undefined) throw notFound('No active token of yours with this id.')
      await audit(db, request.id, [{ actor: actorOf(p), action: 'token.revoke', entity: 'api_tokens', entityId: request.params.id, after: rows[0] }])
    })
    ctx.tokenCache.clear() // the revoked token must stop working now, not in a few seconds
    request.log.info({ event: 'token.revoked', tokenId: request.params.id }, 'player token revoked')
    return reply.code(204).send(null)
  })
}
