import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LogQueryError } from '../logs/source.js'
import type { Classifier } from './classifier.js'
import { feedKey } from './feed-key.js'
import { runFeed, type ErrorsAnswer, type FeedDeps } from './feed.js'
import { WaiterLeft, type SingleFlight } from './singleflight.js'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { parseErrorsQuery } from './input.js'
import { ErrorsQuery, ErrorsResponse } from './schemas.js'
import { withExploreLinks } from './context/group-links.js'
import { withoutAudit } from './lifecycle/embed.js'

/**
 * GET {BASE_PATH}/api/errors: the grouped, noise-free error feed (embed-able for Grafana).
 * Registered under the BASE_PATH prefix. Bad input (InputError, with its field) and a
 * refusing log source go to the one error handler.
 */
const errorsRoutes: FastifyPluginAsyncTypebox<{ classifier: Classifier, linesClassified: FeedDeps['linesClassified'], flights: SingleFlight<ErrorsAnswer>, lifecycle?: FeedDeps['lifecycle'] }> = async (app, opts) => {
  app.get('/api/errors', {
    config: { auth: 'embed' },
    schema: {
      querystring: ErrorsQuery,
      response: { 200: ErrorsResponse, ...errorResponses(400, ...AUTH_ERRORS, 502, 503, 504) },
    },
  }, async (request, reply) => {
    const input = parseErrorsQuery(request.query, app.config.maxRangeDays)
    // Stop pulling logs for a browser that went away (the response closes before it was written).
    const controller = new AbortController()
    const onClose = () => { if (!reply.raw.writableFinished) controller.abort() }
    reply.raw.once('close', onClose)
    try {
      // Concurrent identical questions share one computation (and one set of Loki requests).
      // The Explore links too: waiters on one answer share them (the key holds the search).
      const linked = await opts.flights.run(feedKey(request.query, input), controller.signal, async (signal) =>
        await withExploreLinks(await runFeed({ logSource: app.deps.logSource, classifier: opts.classifier, linesClassified: opts.linesClassified, maxEntries: app.config.errors.maxEntries, groupLabels: app.config.errors.groupLabels, eventGapMs: app.config.errors.eventGapMs, lifecycle: opts.lifecycle }, input, signal), app.deps.logSource, app.config.grafana, input.filter))
      return request.principal?.via === 'embed' ? withoutAudit(linked) : linked
    } catch (err) {
      if (err instanceof WaiterLeft) throw app.httpErrors.createError(504, 'cancelled: the client went away before the answer')
      if (!(err instanceof LogQueryError)) throw err
      request.log.warn({ err: { message: err.message, statusCode: err.statusCode } }, 'log source refused the error feed query')
      const field = err.statusCode === 400 && input.filter !== undefined ? 'q' : undefined
      throw app.httpErrors.createError(err.statusCode, err.message, field !== undefined ? { field } : {})
    } finally {
      reply.raw.off('close', onClose)
    }
  })
}

export default errorsRoutes
