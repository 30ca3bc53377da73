import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf, admin, player, type SchedContext } from '../context.js'
import { audit, withTx } from '../db.js'
import { badRequest, notFound } from '../errors.js'
import { idempotent } from '../idempotency.js'
import { errors, GameRef, IdempotencyHeaders, listOf, MAX_NAME, page, PageQuery, Uuid, ZonedTime } from '../schemas.js'
import { isValidZoneName, zoned } from '../time.js'
import type { Db } from '../db.js'

const Player = Type.Object({ id: Uuid, displayName: Type.String(), timeZone: Type.String(), createdAt: ZonedTime })
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME, description: 'shown to friends; stored verbatim' })
const Zone = Type.String({ minLength: 1, maxLength: 64, description: 'an IANA time zone such as Europe/London' })

interface PlayerRow { id: string, display_name: string, time_zone: string, created_at: Date }
const toPlayer = (r: PlayerRow, zone: string) => ({ id: r.id, displayName: r.display_name, timeZone: r.time_zone, createdAt: zoned(r.created_at, zone) })

/** Both luxon (which does the DST arithmetic) and PostgreSQL must know the zone. */
const knownZones = new Set<string>()
export async function checkZone (db: Db, zone: string): Promise<void> {
  // pg_timezone_names reads every zone file (tens of ms): remember the names it confirmed.
  const known = isValidZoneName(zone) && (knownZones.has(zone) ||
    (await db.query('SELECT 1 FROM pg_timezone_names WHERE name = $1', [zone])).rowCount === 1)
  if (known) knownZones.add(zone)
  if (!known) throw badRequest(`Unknown time zone "${zone.slice(0, 64)}". Use an IANA name such as Europe/London, Asia/Jerusalem or America/New_York.`, { field: 'timeZone' })
}

const cleanName = (s: string) => {
  const t = s.trim()
  if (t === '') throw badRequest('The name must not be blank.', { field: 'displayName' })
  return t
}

export const playerRoutes: FastifyPluginAsyncTypebox<{ ctx: SchedContext }> = async (app, { ctx }) => {
  const { pool } = ctx

  app.post('/api/players', {
    schema: { headers: IdempotencyHeaders, body: Type.Object({ displayName: Name, timeZone: Zone }, { additionalProperties: false }), response: { 201: Player, ...errors } },
  }, async (request, reply) => {
    const a = admin(request)
    const displayName = cleanName(request.body.displayName)
    await checkZone(pool, request.body.timeZone)
    return idempotent(pool, request, reply, a, async (db) => {
      const { rows } = await db.query<PlayerRow>('INSERT INTO players (display_name, time_zone) VALUES ($1, $2) RETURNING *', [displayName, request.body.timeZone])
      const row = rows[0] as PlayerRow
      await audit(db, request.id, [{ actor: actorOf(a), action: 'player.create', entity: 'players', entityId: row.id, after: row }])
      request.log.info({ event: 'player.created', playerId: row.id }, 'player created')
      return { status: 201, body: toPlayer(row, row.time_zone) }
    })
  })

  app.get('/api/players/me', { schema: { response: { 200: Player, ...errors } } }, async (request) => {
    const p = player(request)
    const { rows } = await pool.query<PlayerRow>('SELECT * FROM players WHERE id = $1', [p.id])
    if (rows[0] === undefined) throw notFound('Your player no longer exists.')
    return toPlayer(rows[0], rows[0].time_zone)
  })

  app.patch('/api/players/me', {
    schema: { body: Type.Object({ displayName: Type.Optional(Name), timeZone: Type.Optional(Zone) }, { additionalProperties: false, minProperties: 1 }), response: { 200: Player, ...errors } },
  }, async (request) => {
    const p = player(request)
    const displayName = request.body.displayName === undefined ? undefined : cleanName(request.body.displayName)
    if (request.body.timeZone !== undefined) await checkZone(pool, request.body.timeZone)
    return withTx(pool, async (db) => {
      const before = (await db.query<PlayerRow>('SELECT * FROM players WHERE id = $1 FOR UPDATE', [p.id])).rows[0]
      if (before === undefined) throw notFound('Your player no longer exists.')
      const { rows } = await db.query<PlayerRow>(
        'UPDATE players SET display_name = coalesce($2, display_name), time_zone = coalesce($3, time_zone), updated_at = now() WHERE id = $1 RETURNING *',
        [p.id, displayName ?? null, request.body.timeZone ?? null])
      const row = rows[0] as PlayerRow
      await audit(db, request.id, [{ actor: actorOf(p), action: 'player.update', entity: 'players', entityId: p.id, before, after: row }])
      return row
    }).then((row) => {
      ctx.tokenCache.clear() // cached callers carry the old zone and name
      return toPlayer(row, row.time_zone)
    })
  })

  app.get('/api/players/me/games', { schema: { querystring: PageQuery, response: { 200: listOf(GameRef), ...errors } } }, async (request) => {
    const p = player(request)
    const q = request.query
    const { rows } = await pool.query<{ id: string, name: string }>(
      'SELECT g.id, g.name FROM player_games pg JOIN games g ON g.id = pg.game_id WHERE pg.player_id = $1 ORDER BY g.name, g.id LIMIT $2 OFFSET $3', [p.id, q.limit + 1, q.offset])
    return page(rows, q)
  })

  app.put('/api/players/me/games', {
    schema: { body: Type.Object({ gameIds: Type.Array(Uuid, { maxItems: 100, uniqueItems: true }) }, { additionalProperties: false }), response: { 200: Type.Object({ measuredAt: Type.String(), items: Type.Array(GameRef) }), ...errors } },
  }, async (request) => {
    const p = player(request)
    return withTx(pool, async (db) => {
      const before = (await db.query<{ game_id: string }>('SELECT game_id FROM player_games WHERE player_id = $1 ORDER BY game_id FOR UPDATE', [p.id])).rows.map((r) => r.game_id)
      const games = await db.query<{ id: string, name: string }>('SELECT id, name FROM games WHERE id = ANY($1::uuid[]) ORDER BY name', [request.body.gameIds])
      if (games.rowCount !== request.body.gameIds.length) throw notFound('One of the games does not exist. GET /api/games lists them.')
      await db.query('DELETE FROM player_games WHERE player_id = $1', [p.id])
      await db.query('INSERT INTO player_games (player_id, game_id) SELECT $1, unnest($2::uuid[])', [p.id, request.body.gameIds])
      await audit(db, request.id, [{ actor: actorOf(p), action: 'player_games.replace', entity: 'player_games', entityId: p.id, before: { gameIds: before }, after: { gameIds: [...request.body.gameIds].sort() } }])
      return { measuredAt: new Date().toISOString(), items: games.rows }
    })
  })
}
