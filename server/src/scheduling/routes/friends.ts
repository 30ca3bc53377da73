import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, player, type SchedContext } from '../context.js'
import { audit, withTx, type Db } from '../db.js'
import { badRequest, conflict, forbidden, notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, IdempotencyHeaders, IdParams, listOf, page, PageQuery, PlayerRef, Uuid, ZonedTime } from '../schemas.js'
import { zoned } from '../time.js'

const Friendship = Type.Object({
  id: Uuid,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined')]),
  direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]),
  friend: PlayerRef,
  createdAt: ZonedTime,
  respondedAt: Type.Union([ZonedTime, Type.Null()]),
})

interface Row { id: string, requester_id: string, addressee_id: string, status: string, created_at: Date, responded_at: Date | null }
interface Joined extends Row { friend_id: string, friend_name: string }

const SELECT = `SELECT f.*, p.id AS friend_id, p.display_name AS friend_name FROM friendships f
  JOIN players p ON p.id = CASE WHEN f.requester_id = $1 THEN f.addressee_id ELSE f.requester_id END`

function toApi (r: Joined, me: string, zone: string) {
  return {
    id: r.id,
    status: r.status as 'pending' | 'accepted' | 'declined',
    direction: r.requester_id === me ? 'outgoing' as const : 'incoming' as const,
    friend: { id: r.friend_id, displayName: r.friend_name },
    createdAt: zoned(r.created_at, zone),
    respondedAt: r.responded_at === null ? null : zoned(r.responded_at, zone),
  }
}

async function loadJoined (db: Db, id: string, me: string): Promise<Joined> {
  const { rows } = await db.query<Joined>(`${SELECT} WHERE f.id = $2`, [me, id])
  return rows[0] as Joined
}

export const friendRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.get('/api/friends', {
    schema: { querystring: Type.Intersect([PageQuery, Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined')])) })]), response: { 200: listOf(Friendship), ...errors } },
  }, async (request) => {
    const p = player(request)
    const q = request.query
    const { rows } = await pool.query<Joined>(`${SELECT} WHERE (f.requester_id = $1 OR f.addressee_id = $1) AND ($2::text IS NULL OR f.status = $2)
      ORDER BY f.created_at DESC, f.id LIMIT $3 OFFSET $4`, [p.id, q.status ?? null, q.limit + 1, q.offset])
    return page(rows.map((r) => toApi(r, p.id, p.zone)), q)
  })

  app.post('/api/friends', {
    schema: { headers: IdempotencyHeaders, body: Type.Object({ playerId: Uuid }, { additionalProperties: false }), response: { 201: Friendship, ...errors } },
  }, async (request, reply) => {
    const p = player(request)
    if (request.body.playerId === p.id) throw badRequest('You cannot send a friend request to yourself.', { field: 'playerId' })
    return idempotent(pool, request, reply, p, async (db) => {
      const other = await db.query('SELECT 1 FROM players WHERE id = $1', [request.body.playerId])
      if (other.rowCount === 0) throw notFound('No player with this id.')
      const existing = await db.query<Row>(`SELECT * FROM friendships WHERE least(requester_id, addressee_id) = least($1::uuid, $2::uuid)
        AND greatest(requester_id, addressee_id) = greatest($1::uuid, $2::uuid) FOR UPDATE`, [p.id, request.body.playerId])
      if (existing.rows[0] !== undefined) {
        const e = existing.rows[0]
        throw conflict(e.status === 'accepted'
          ? 'You are friends already.'
          : e.status === 'pending' ? `A friend request between you is pending (${e.id}).` : 'A friend request between you was declined; it cannot be sent again.')
      }
      const { rows } = await db.query<Row>('INSERT INTO friendships (requester_id, addressee_id) VALUES ($1, $2) RETURNING *', [p.id, request.body.playerId])
      const row = rows[0] as Row
      await audit(db, request.id, [{ actor: actorOf(p), action: 'friendship.request', entity: 'friendships', entityId: row.id, after: row }])
      request.log.info({ event: 'friendship.requested', friendshipId: row.id }, 'friend request sent')
      return { status: 201, body: toApi(await loadJoined(db, row.id, p.id), p.id, p.zone) }
    })
  })

  for (const action of ['accept', 'decline'] as const) {
    app.post(`/api/friends/:id/${action}`, {
      schema: { headers: IdempotencyHeaders, params: IdParams, response: { 200: Friendship, ...errors } },
    }, async (request, reply) => {
      const p = player(request)
      return idempotent(pool, request, reply, p, async (db) => {
        const { rows } = await db.query<Row>('SELECT * FROM friendships WHERE id = $1 AND (requester_id = $2 OR addressee_id = $2) FOR UPDATE', [request.params.id, p.id])
        const before = rows[0]
        if (before === undefined) throw notFound('No friend request with this id is addressed to you.')
        if (before.addressee_id !== p.id) throw forbidden(`Only the other player can ${action} this friend request.`)
        if (before.status !== 'pending') throw conflict(`This friend request is ${before.status} already.`)
        const after = (await db.query<Row>('UPDATE friendships SET status = $2, responded_at = now() WHERE id = $1 RETURNING *',
          [before.id, action === 'accept' ? 'accepted' : 'declined'])).rows[0] as Row
        await audit(db, request.id, [{ actor: actorOf(p), action: `friendship.${action}`, entity: 'friendships', entityId: before.id, before, after }])
        request.log.info({ event: `friendship.${action}ed`, friendshipId: before.id }, `friend request ${action}ed`)
        return { status: 200, body: toApi(await loadJoined(db, before.id, p.id), p.id, p.zone) }
      })
    })
  }

  app.delete('/api/friends/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const p = player(request)
    await withTx(pool, async (db) => {
      const { rows } = await db.query<Row>('DELETE FROM friendships WHERE id = $1 AND (requester_id = $2 OR addressee_id = $2) RETURNING *', [request.params.id, p.id])
      if (rows[0] === undefined) throw notFound('No friendship of yours with this id.')
      await audit(db, request.id, [{ actor: actorOf(p), action: 'friendship.remove', entity: 'friendships', entityId: request.params.id, before: rows[0] }])
    })
    request.log.info({ event: 'friendship.removed', friendshipId: request.params.id }, 'friendship removed')
    return reply.code(204).send(null)
  })
}
