import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import type { DatabaseWatch } from '../watch.js'
import { HistoryError, HistoryParams, HistoryQuery, TableHistoryResponse, TrendsResponse } from './schemas.js'
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
  const base = config.basePath === '/' ? '' : config.basePath

  app.get(`${base}/api/database/trends`, {
    config: { auth: 'embed' },
    schema: { response: { 200: TrendsResponse } },
  }, async () => {
    const s = watch.snapshot()
    const trends = history.trends()
    return {
      measuredAt: s.probe?.measuredAt.toISOString() ?? null,
      dropRule: { pct: config.history.dropWarnPct, rows: config.history.dropWarnRows ?? null, window: windowText(config.history.dropWindowMs) },
      tables: Object.fromEntries(s.tables.map((t) => [t.key, trendJson(trends.get(t.key))])),
    }
  })

  app.get(`${base}/api/database/tables/:name/history`, {
    config: { auth: 'embed' },
    schema: { params: HistoryParams, querystring: HistoryQuery, response: { 200: TableHistoryResponse, 400: HistoryError, 404: HistoryError, 503: HistoryError } },
  }, async (request, reply) => {
    const { name } = request.params
    const { range } = request.query
    const m = /^(\d+)([mhd])$/.exec(range) as RegExpExecArray
    const rangeMs = Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    if (rangeMs > MAX_RANGE_MS) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', field: 'range', message: `range: ${range} is beyond what is kept. Every probe is kept for 24h and 5-minute points for 30d: ask for 30d or less.` })
    }
    if (rangeMs < 5 * 60_000) {
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', field: 'range', message: `range: ${range} is too short; ask for 5m or more.` })
    }
    const current = watch.snapshot().tables.map((t) => t.key)
    if (!history.knows(name, current)) {
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No table "${name}" in the monitored database, and no history of one. Table names are as in GET /api/database (schema.name outside public).` })
    }
    const now = Date.now()
    let h
    try {
      h = await history.tableHistory(name, rangeMs, now)
    } catch {
      return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'The history store (TOVWATCH_DATABASE_URL) did not answer; try again shortly.' })
    }
    const t = trendJson(history.trends().get(name))
    return { table: name, range, resolutionS: h.resolutionS, from: new Date(now - rangeMs).toISOString(), to: new Date(now).toISOString(), timestamps: h.timestamps, rows: h.rows, ...t }
  })
}
