import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, admin, caller, type SchedContext } from '../context.js'
import { audit } from '../db.js'
import { badRequest } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, GameRef, IdempotencyHeaders, listOf, MAX_NAME, page, PageQuery } from '../schemas.js'

export const gameRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.get('/api/games', { schema: { querystring: PageQuery, response: { 200: listOf(GameRef), ...errors } } }, async (request) => {
    caller(request)
    const q = request.query
    const { rows } = await pool.query('SELECT id, name FROM games ORDER BY lower(name), id LIMIT $1 OFFSET $2', [q.limit + 1, q.offset])
    return page(rows, q)
  })

  app.post('/api/games', {
    schema: { headers: IdempotencyHeaders, body: Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_NAME }) }, { additionalProperties: false }), response: { 201: GameRef, ...errors } },
  }, async (request, reply) => {
    const a = admin(request)
    const name = request.body.name.trim()
    if (name === '') throw badRequest('The game name must not be blank.', { field: 'name' })
    return idempotent(pool, request, reply, a, async (db) => {
      const { rows } = await db.query<{ id: string, name: string }>('INSERT INTO games (name) VALUES ($1) RETURNING id, name', [name])
      const row = rows[0] as { id: string, name: string }
      await audit(db, request.id, [{ actor: actorOf(a), action: 'game.create', entity: 'games', entityId: row.id, after: row }])
      return { status: 201, body: row }
    })
  })
}
