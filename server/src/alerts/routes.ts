import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ALERT_SEVERITIES } from '../../../shared/severity.js'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { rowToAlert } from './rows.js'
import type { AlertStore } from './store.js'
import { AlertListResponse, AlertSchema, type Alert } from './types.js'
import type { Pipeline } from './pipeline.js'
import { equalities, isFiltering, MatcherError, parseFilter, rowPasses, type ParsedFilter } from './alert-filter.js'
import { ackAlert, unackAlert } from './acks.js'

const SCAN_PAGE = 500
const SCAN_ROWS = 20_000

const Severity = Type.Enum(ALERT_SEVERITIES)
const ListQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
  severity: Type.Optional(Type.Array(Severity, { maxItems: 5 })),
  label: Type.Optional(Type.Array(Type.String({ pattern: '^[^=]+=.*$', maxLength: 1024 }), { maxItems: 20 })),
  since: Type.Optional(Type.String({ maxLength: 40 })),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  /** Alertmanager matchers, e.g. severity="critical" or {job=~"tovplay.*"}; several are ANDed. */
  filter: Type.Optional(Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 20 })),
  /** Free text over label names and values and annotations, case-insensitive. */
  q: Type.Optional(Type.String({ maxLength: 200 })),
  embed_token: Type.Optional(Type.String()),
})

function parseTime (value: string | undefined, field: string, bad: (m: string) => Error): Date | undefined {
  if (value === undefined) return undefined
  const d = /^\d{10,13}$/.test(value) ? new Date(Number(value.length === 10 ? Number(value) * 1000 : value)) : new Date(value)
  if (Number.isNaN(d.getTime())) throw bad(`${field} must be an ISO-8601 time or epoch milliseconds`)
  return d
}

const CURSOR_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)?$/

/** A real calendar day in PostgreSQL's timestamptz text form (JS would roll Feb 31 over; PostgreSQL refuses it). */
function validCursorTime (s: string): boolean {
  const m = CURSOR_TIME.exec(s)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const day = new Date(Date.UTC(y, mo - 1, d))
  return y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
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
      // Checked to the shape this API hands out: a bigint id and PostgreSQL's timestamptz text, so the query cannot fail on it.
      if (updatedAt === undefined || id === undefined || !/^\d{1,18}$/.test(id) || !validCursorTime(updatedAt)) throw bad('cursor is not one this API returned')
      cursor = { updatedAt, id }
    }
    let parsed: ParsedFilter
    try {
      parsed = parseFilter(q.filter, q.q)
    } catch (err) {
      if (err instanceof MatcherError) throw bad(err.message)
      throw err
    }
    const labels = (q.label ?? []).map((l): [string, string] => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
    const base = { state: q.state, severities: q.severity, labels: [...labels, ...equalities(parsed)], since: parseTime(q.since, 'since', bad), until: parseTime(q.until, 'until', bad) }
    const measuredAt = new Date().toISOString()
    const list = (f: Parameters<AlertStore['list']>[0]) => s.list(f).catch((err: unknown) => { throw unavailable(err) })
    if (!isFiltering(parsed)) {
      const r = await list({ ...base, limit, cursor })
      const lastRow = r.rows.at(-1)
      return {
        measuredAt,
        lastEventId: String(r.lastEventId),
        alerts: r.rows.map(rowToAlert),
        nextCursor: r.rows.length === limit && lastRow !== undefined ? Buffer.from(`${lastRow.cursor_at}|${lastRow.id}`).toString('base64url') : null,
      }
    }
    // Regexes and free text are matched here (with RE2), over pages of the store, until the page is
    // full or SCAN_ROWS rows were read: then nextCursor continues the scan where it stopped.
    const out: Alert[] = []
    let lastEventId = '0'
    let scanned = 0
    let at = cursor
    let more = true
    while (more && out.length < limit && scanned < SCAN_ROWS) {
      const r = await list({ ...base, limit: SCAN_PAGE, cursor: at })
      if (scanned === 0) lastEventId = String(r.lastEventId)
      more = r.rows.length === SCAN_PAGE
      for (const row of r.rows) {
        scanned++
        at = { updatedAt: row.cursor_at, id: String(row.id) }
        if (rowPasses(parsed, row)) out.push(rowToAlert(row))
        if (out.length === limit) { more = more || row !== r.rows.at(-1); break }
      }
    }
    return {
      measuredAt,
      lastEventId,
      alerts: out,
      nextCursor: more && at !== undefined ? Buffer.from(`${at.updatedAt}|${at.id}`).toString('base64url') : null,
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

  const AckParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) })
  app.post('/api/alerts/:id/ack', {
    config: { auth: 'viewer' },
    schema: {
      params: AckParams,
      body: Type.Object({
        note: Type.Optional(Type.String({ maxLength: 2000 })),
        /** The acknowledgement ends by itself after this long; without it, when the alert resolves. */
        forMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })),
      }),
      response: { 200: AlertSchema, ...errorResponses(400, ...AUTH_ERRORS, 404, 409, 413, 415, 503) },
    },
  }, async (request) => {
    need(store())
    const p = need(pipeline())
    const by = request.principal?.name ?? 'unknown'
    const r = await ackAlert(app.deps.pg.store, request.params.id, by, request.body.note ?? '', request.body.forMinutes).catch((err: unknown) => { throw unavailable(err) })
    if (r === 'missing') throw app.httpErrors.notFound(`No alert with id ${request.params.id}`)
    if (r === 'resolved') throw app.httpErrors.conflict(`Alert ${request.params.id} has resolved: there is nothing to acknowledge.`)
    p.committed([r])
    return r.alert
  })

  app.delete('/api/alerts/:id/ack', {
    config: { auth: 'viewer' },
    schema: { params: AckParams, response: { 200: AlertSchema, ...errorResponses(400, ...AUTH_ERRORS, 404, 503) } },
  }, async (request) => {
    need(store())
    const p = need(pipeline())
    const r = await unackAlert(app.deps.pg.store, request.params.id).catch((err: unknown) => { throw unavailable(err) })
    if (r === 'missing') throw app.httpErrors.notFound(`No alert with id ${request.params.id}`)
    p.committed([r])
    return r.alert
  })
}
