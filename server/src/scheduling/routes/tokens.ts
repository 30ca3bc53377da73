import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, admin, player, type SchedContext } from '../context.js'
import { audit, withTx } from '../db.js'
import { notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { ErrorBody, errors, IdempotencyHeaders, IdParams, listOf, MAX_NAME, page, PageQuery, Uuid } from '../schemas.js'
import { newPlayerToken } from '../tokens.js'

/**
 * What a retry of POST /api/players/:id/tokens with the same Idempotency-Key answers. The secret is
 * shown in the first answer only and never stored (only its hash is), so a replay cannot show it
 * again: it answers 409 with reason token_shown_once and the id of the token that key issued.
 */
export function tokenShownOnce (t: { id: string, name: string, expiresAt: string }) {
  return {
    statusCode: 409,
    error: 'Conflict',
    reason: 'token_shown_once',
    tokenId: t.id,
    message: `This Idempotency-Key already issued token ${t.id} ("${t.name}", valid until ${t.expiresAt}). Its secret was shown once, in the first answer, ` +
      'and is not stored, so it cannot be sent again. If that answer was lost, send the request with a new Idempotency-Key to issue a new token; ' +
      `the unused one expires by itself, or its player can revoke it with DELETE /api/players/me/tokens/${t.id}.`,
  }
}
const TokenShownOnce = Type.Object({ ...ErrorBody.properties, tokenId: Type.Optional(Uuid) }, {
  description: 'A retry with the Idempotency-Key of a request that issued a token (header idempotent-replayed: true, reason token_shown_once): ' +
    'the token exists (tokenId), but its secret is shown only in the first 201 answer and is never stored, so it is not sent again. ' +
    'Issue a new token with a new key if the first answer was lost. Other 409s have the same shape without tokenId ' +
    '(e.g. the first request with this key is still in progress: retry in a moment).',
})

const TokenInfo = Type.Object({ id: Uuid, name: Type.String(), createdAt: Type.String(), expiresAt: Type.String(), revokedAt: Type.Union([Type.String(), Type.Null()]) })

/** Personal API tokens: issued by an admin (shown once), listed and revoked by their player. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.post('/api/players/:id/tokens', {
    schema: {
      headers: IdempotencyHeaders,
      params: IdParams,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_NAME }), expiresInDays: Type.Integer({ minimum: 1, maximum: 366, default: 90 }) }, { additionalProperties: false }),
      response: {
        201: Type.Object({ id: Uuid, playerId: Uuid, name: Type.String(), token: Type.String({ description: 'shown once, in this answer only: only its hash is stored, and a retry with the same key gets 409 token_shown_once' }), expiresAt: Type.String() }),
        409: TokenShownOnce,
        ...errors,
      },
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
      // The idempotency record keeps the answer without the secret: a replay says it was shown once.
      return { status: 201, body: { ...after, token: t.token }, replay: { status: 409, body: tokenShownOnce(after) } }
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
