import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ALERT_SEVERITIES } from '../../../shared/severity.js'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { rowToAlert } from './rows.js'
import type { AlertStore } from './store.js'
import { AlertListResponse, AlertSchema } from './types.js'
import type { Pipeline } from './pipeline.js'

const Severity = Type.Enum(ALERT_SEVERITIES)
const ListQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
  severity: Type.Optional(Type.Array(Severity, { maxItems: 5 })),
  label: Type.Optional(Type.Array(Type.String({ pattern: '^[^=]+=.*$', maxLength: 1024 }), { maxItems: 20 })),
  since: Type.Optional(Type.String({ maxLength: 40 })),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  embed_token: Type.Optional(Type.String()),
})

function parseTime (value: string | undefined, field: string, bad: (m: string) => Error): Date | undefined {
  if (value === undefined) return undefined
  const d = /^\d{10,13}$/.test(value) ? new Date(Number(value.length === 10 ? Number(value) * 1000 : value)) : new Date(value)
  if (Number.isNaN(d.getTime())) throw bad(`${field} must be an ISO-8601 time or epoch milliseconds`)
  return d
}

interface RouteOptions { store: () => AlertStore | undefined, pipeline: () => Pipeline | undefined, notReady: () => string }

/** GET {base}/api/alerts (history, filterable), GET {base}/api/alerts/:id and POST {base}/api/alerts/:id/ack, under the BASE_PATH prefix. */
export const alertRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { store, pipeline, notReady }) => {
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw app.httpErrors.serviceUnavailable(`The alert store is not ready (${notReady()}).`)
    return v
  }
  const unavailable = (err: unknown) => {
    app.log.warn({ err: { message: (err as Error).message } }, 'alert store query failed')
    return app.httpErrors.serviceUnavailable('The alert store is unavailable right now.')
  }

  app.get('/api/alerts', {
    config: { auth: 'embed' },
    schema: { querystring: ListQuery, response: { 200: AlertListResponse, ...errorResponses(400, ...AUTH_ERRORS, 503) } },
  }, async (request) => {
    const q = request.query
    const s = need(store())
    const bad = (m: string) => app.httpErrors.badRequest(m)
    const limit = q.limit ?? 100
    let cursor: { updatedAt: string, id: string } | undefined
    if (q.cursor !== undefined) {
      const [updatedAt, id] = Buffer.from(q.cursor, 'base64url').toString('utf8').split('|')
      if (updatedAt === undefined || id === undefined || !/^\d+$/.test(id) || Number.isNaN(Date.parse(updatedAt))) throw bad('cursor is not one this API returned')
      cursor = { updatedAt, id }
    }
    const labels = (q.label ?? []).map((l): [string, string] => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
    const filter = { state: q.state, severities: q.severity, labels, since: parseTime(q.since, 'since', bad), until: parseTime(q.until, 'until', bad), limit, cursor }
    const measuredAt = new Date().toISOString()
    const r = await s.list(filter).catch((err: unknown) => { throw unavailable(err) })
    const alerts = r.rows.map(rowToAlert)
    const lastRow = r.rows.at(-1)
    return {
      measuredAt,
      lastEventId: String(r.lastEventId),
      alerts,
      nextCursor: alerts.length === limit && lastRow !== undefined ? Buffer.from(`${lastRow.cursor_at}|${lastRow.id}`).toString('base64url') : null,
    }
  })

  app.get('/api/alerts/:id', {
    config: { auth: 'embed' },
    schema: {
      params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
      querystring: Type.Object({ embed_token: Type.Optional(Type.String()) }),
      response: { 200: AlertSchema, ...errorResponses(400, ...AUTH_ERRORS, 404, 503) },
    },
  }, async (request) => {
    const s = need(store())
    const row = await s.get(request.params.id).catch((err: unknown) => { throw unavailable(err) })
    if (row === undefined) throw app.httpErrors.notFound(`No alert with id ${request.params.id}`)
    return rowToAlert(row)
  })

  app.post('/api/alerts/:id/ack', {
    config: { auth: 'viewer' },
    schema: {
      params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
      body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }),
      response: { 200: AlertSchema, ...errorResponses(400, ...AUTH_ERRORS, 404, 413, 415, 503) },
    },
  }, async (request) => {
    const s = need(store())
    const p = need(pipeline())
    const by = request.principal?.name ?? 'unknown'
    const event = await s.ack(request.params.id, by, request.body.note ?? '').catch((err: unknown) => { throw unavailable(err) })
    if (event === undefined) throw app.httpErrors.notFound(`No alert with id ${request.params.id}`)
    p.committed([event])
    return event.alert
  })
}
