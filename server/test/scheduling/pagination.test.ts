import Fastify, { type RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SchedContext } from '../../src/scheduling/context.js'
import { schedulingApi } from '../../src/scheduling/routes/index.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { as, createGame, createPlayer, type TestPlayer } from './helpers.js'

interface Schema { properties?: Record<string, Schema>, type?: string, allOf?: Schema[] }
/** The properties of an object schema, or of all the parts of an intersection (Type.Intersect). */
const propsOf = (s: Schema | undefined): Record<string, Schema> => Object.assign({}, s?.properties ?? {}, ...(s?.allOf ?? []).map(propsOf))

describe('every list of the scheduling API is paginated', () => {
  it('each GET answering items has a page (limit, offset, nextOffset) or a next cursor, and takes a limit', async () => {
    const app = Fastify()
    const routes: RouteOptions[] = []
    app.addHook('onRoute', (r) => { routes.push(r) })
    await app.register(schedulingApi, { ctx: {} as SchedContext, writeRoutes: [] })
    await app.ready()
    await app.close()
    const lists = routes.filter((r) => r.method === 'GET' && (r.schema?.response as Record<string, Schema> | undefined)?.['200']?.properties?.items?.type === 'array')
    expect(lists.map((r) => r.url)).toContain('/api/players/me/games')
    expect(lists.map((r) => r.url)).toContain('/api/availability/free')
    expect(lists.length).toBeGreaterThanOrEqual(8)
    const unpaged = lists.filter((r) => {
      const answer = (r.schema?.response as Record<string, Schema>)['200']?.properties ?? {}
      const query = propsOf(r.schema?.querystring as Schema | undefined)
      const paged = answer.page?.properties?.nextOffset !== undefined || answer.next !== undefined
      return !paged || query.limit === undefined
    })
    expect(unpaged.map((r) => r.url)).toEqual([])
  })
})

describe.skipIf(!(await have('postgres')))('paging through lists (real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let a: TestPlayer
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: as(a.token, null) })
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_paging')
    t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    a = await createPlayer(t.app, 'Ari', 'UTC', { allWeek: false })
  })
  afterAll(async () => { await t?.close(); await db?.drop() })

  it('GET /api/players/me/games pages by limit and offset, in name order, to the last game', async () => {
    const names = ['Go', 'Chess', 'Backgammon', 'Draughts', 'Einstein würfelt nicht']
    const ids = []
    for (const n of names) ids.push(await createGame(t.app, n))
    const put = await t.app.inject({ method: 'PUT', url: '/api/players/me/games', headers: as(a.token, null), payload: { gameIds: ids } })
    expect(put.statusCode, put.body).toBe(200)

    const seen: string[] = []
    const offsets: Array<number | null> = []
    let offset: number | null = 0
    while (offset !== null) {
      const res = await get(`/api/players/me/games?limit=2&offset=${offset}`)
      expect(res.statusCode, res.body).toBe(200)
      const body = res.json()
      expect(body.items.length).toBeLessThanOrEqual(2)
      expect(body.page).toMatchObject({ limit: 2, offset })
      seen.push(...body.items.map((g: { name: string }) => g.name))
      offset = body.page.nextOffset
      offsets.push(offset)
    }
    expect(offsets).toEqual([2, 4, null])
    expect(seen).toEqual([...names].sort())
    const all = await get('/api/players/me/games')
    expect(all.json().page).toEqual({ limit: 50, offset: 0, nextOffset: null })
    expect((await get('/api/players/me/games?limit=0')).statusCode).toBe(400)
    expect((await get('/api/players/me/games?limit=101')).statusCode).toBe(400)
  })
})
