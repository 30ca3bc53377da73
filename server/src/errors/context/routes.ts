import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AUTH_ERRORS, errorResponses, routePrefix } from '../../infra/http.js'
import { UnknownStream } from '../../logs/files/context.js'
import { LogQueryError } from '../../logs/source.js'
import { exploreUrl } from './explore.js'
import { parseContextQuery } from './input.js'
import { contextLine } from './lines.js'
import { ContextQuerySchema, ContextResponse } from './schemas.js'

/**
 * GET {BASE_PATH}/api/errors/context?labels=<JSON>&tsNs=&lineHash=&before=&after=: the lines
 * around a sample of the feed in its own stream, the sample marked. 404 when the stream or
 * the sample is not there (any more); the source's refusals as the feed maps them.
 */
const contextRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const auditBase = `${routePrefix(app.config.basePath)}/api/scheduling/audit`
  app.get('/api/errors/context', {
    config: { auth: 'viewer' },
    schema: {
      querystring: ContextQuerySchema,
      response: { 200: ContextResponse, ...errorResponses(400, ...AUTH_ERRORS, 404, 502, 503, 504) },
    },
  }, async (request, reply) => {
    const input = parseContextQuery(request.query)
    const source = app.deps.logSource
    if (source.context === undefined) throw app.httpErrors.notFound(`the ${source.kind} log source cannot show the lines around a sample`)
    // Stop reading for a browser that went away (the response closes before it was written).
    const controller = new AbortController()
    const onClose = () => { if (!reply.raw.writableFinished) controller.abort() }
    reply.raw.once('close', onClose)
    let outcome
    try {
      outcome = await source.context({ ...input, signal: controller.signal })
    } catch (err) {
      if (err instanceof UnknownStream) throw app.httpErrors.createError(404, err.message, { field: 'labels' })
      if (!(err instanceof LogQueryError)) throw err
      request.log.warn({ err: { message: err.message, statusCode: err.statusCode } }, 'log source refused the context query')
      throw app.httpErrors.createError(err.statusCode, err.message, err.statusCode === 400 ? { field: 'labels' } : {})
    } finally {
      reply.raw.off('close', onClose)
    }
    if (outcome.match === 'none') {
      throw app.httpErrors.notFound(`no line of this stream at ${new Date(Number(input.tsNs / 1_000_000n)).toISOString()} (${input.tsNs} ns): the sample is no longer there, or the labels or time do not name it`)
    }
    const lines = outcome.lines.map((e, i) => contextLine(e, i === outcome.sampleIndex, auditBase))
    const grafana = app.config.grafana
    let explore: string | undefined
    if (grafana.url !== undefined && source.logqlFor !== undefined && outcome.lines.length > 0) {
      const first = outcome.lines[0]?.tsNs ?? input.tsNs
      const last = outcome.lines[outcome.lines.length - 1]?.tsNs ?? input.tsNs
      explore = exploreUrl({ url: grafana.url, lokiUid: grafana.lokiUid, orgId: grafana.orgId }, await source.logqlFor({ labels: input.labels }), Number(first / 1_000_000n), Number(last / 1_000_000n) + 1)
    }
    return {
      source: source.kind,
      stream: outcome.lines[outcome.sampleIndex]?.labels ?? input.labels,
      match: outcome.match,
      sampleIndex: outcome.sampleIndex,
      moreBefore: outcome.moreBefore,
      moreAfter: outcome.moreAfter,
      lines,
      ...(explore !== undefined ? { exploreUrl: explore } : {}),
    }
  })
}

export default contextRoutes
