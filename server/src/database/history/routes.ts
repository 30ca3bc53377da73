import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import type { DatabaseWatch } from '../watch.js'
import { AUTH_ERRORS, errorResponses } from '../../infra/http.js'
import { HistoryParams, HistoryQuery, TableHistoryResponse, TrendsResponse } from './schemas.js'
import { windowText, type DatabaseHistory, type TableTrend } from './service.js'
import { FIVE_MIN } from './store.js'

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
const MAX_RANGE_MS = FIVE_MIN.keepMs - FIVE_MIN.bucketMs

const trendJson = (t: TableTrend | undefined): Static<typeof TrendsResponse>['tables'][string] => ({
  changes: t?.changes ?? { '1h': null, '24h': null, '7d': null },
  drop: t?.drop == null ? null : { ...t.drop, fromAt: new Date(t.drop.fromAt).toISOString() },
})

/** Table history (from the store) and each table's change over 1 h, 24 h and 7 d (from memory). */
export const historyRoutes: FastifyPluginAsyncTypebox<{ watch: DatabaseWatch, history: DatabaseHistory }> = async (app, { watch, history }) => {
  const { config } = app

  app.get('/api/database/trends', {
    config: { auth: 'embed' },
    schema: { response: { 200: TrendsResponse, ...errorResponses(...AUTH_ERRORS) } },
  }, async () => {
    const s = watch.snapshot()
    const trends = history.trends()
    return {
      measuredAt: s.probe?.measuredAt.toISOString() ?? null,
      dropRule: { pct: config.database.history.dropWarnPct, rows: config.database.history.dropWarnRows ?? null, window: windowText(config.database.history.dropWindowMs) },
      tables: Object.fromEntries(s.tables.map((t) => [t.key, trendJson(trends.get(t.key))])),
    }
  })

  app.get('/api/database/tables/:name/history', {
    config: { auth: 'embed' },
    schema: { params: HistoryParams, querystring: HistoryQuery, response: { 200: TableHistoryResponse, ...errorResponses(400, ...AUTH_ERRORS, 404, 503) } },
  }, async (request, reply) => {
    const { name } = request.params
    const { range } = request.query
    const m = /^(\d+)([mhd])$/.exec(range) as RegExpExecArray
    const rangeMs = Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    if (rangeMs > MAX_RANGE_MS) {
      throw app.httpErrors.createError(400, `range: ${range} is beyond what is kept. Every probe is kept for 24h and 5-minute points for 30d: ask for 30d or less.`, { field: 'range' })
    }
    if (rangeMs < 5 * 60_000) {
      throw app.httpErrors.createError(400, `range: ${range} is too short; ask for 5m or more.`, { field: 'range' })
    }
    const current = watch.snapshot().tables.map((t) => t.key)
    if (!history.knows(name, current)) {
      throw app.httpErrors.notFound(`No table "${name}" in the monitored database, and no history of one. Table names are as in GET /api/database (schema.name outside public).`)
    }
    const now = Date.now()
    let h
    try {
      h = await history.tableHistory(name, rangeMs, now)
    } catch {
      throw app.httpErrors.serviceUnavailable('The history store (TOVWATCH_DATABASE_URL) did not answer; try again shortly.')
    }
    const t = trendJson(history.trends().get(name))
    const body: Static<typeof TableHistoryResponse> = { table: name, range, resolutionS: h.resolutionS, from: new Date(now - rangeMs).toISOString(), to: new Date(now).toISOString(), timestamps: h.timestamps, rows: h.rows, ...t }
    // 30 days are 2 x 8,640 numbers: the engine's JSON.stringify writes them several times faster than
    // the schema's serializer does number by number. The shape is the schema's (typed above).
    return await reply.serializer((payload: unknown) => JSON.stringify(payload)).send(body)
  })
}
