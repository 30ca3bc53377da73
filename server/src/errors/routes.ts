import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { redactText } from '../infra/logger.js'
import { LogQueryError } from '../logs/source.js'
import type { Classifier } from './classifier.js'
import { runFeed, type FeedDeps } from './feed.js'
import { InputError, parseErrorsQuery } from './input.js'
import { ErrorBody, ErrorsQuery, ErrorsResponse } from './schemas.js'

const STATUS_NAMES: Record<number, string> = { 400: 'Bad Request', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }

/** GET {BASE_PATH}/api/errors: the grouped, noise-free error feed (embed-able for Grafana). */
const errorsRoutes: FastifyPluginAsyncTypebox<{ classifier: Classifier, linesClassified: FeedDeps['linesClassified'] }> = async (app, opts) => {
  const base = app.config.basePath === '/' ? '' : app.config.basePath
  app.get(`${base}/api/errors`, {
    config: { auth: 'embed' },
    schema: {
      querystring: ErrorsQuery,
      response: { 200: ErrorsResponse, 400: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody },
    },
  }, async (request, reply) => {
    let input
    try {
      input = parseErrorsQuery(request.query, app.config.maxRangeDays)
    } catch (err) {
      if (!(err instanceof InputError)) throw err
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message, field: err.field })
    }
    // Stop pulling logs for a browser that went away (the response closes before it was written).
    const controller = new AbortController()
    const onClose = () => { if (!reply.raw.writableFinished) controller.abort() }
    reply.raw.once('close', onClose)
    try {
      return await runFeed({ logSource: app.deps.logSource, classifier: opts.classifier, linesClassified: opts.linesClassified, maxEntries: app.config.errors.maxEntries, groupLabels: app.config.errors.groupLabels, eventGapMs: app.config.errors.eventGapMs }, input, controller.signal)
    } catch (err) {
      if (!(err instanceof LogQueryError)) throw err
      request.log.warn({ err: { message: err.message, statusCode: err.statusCode } }, 'log source refused the error feed query')
      const field = err.statusCode === 400 && input.filter !== undefined ? 'q' : undefined
      return reply.code(err.statusCode).send({ statusCode: err.statusCode, error: STATUS_NAMES[err.statusCode] ?? 'Error', message: redactText(err.message), ...(field !== undefined ? { field } : {}) })
    } finally {
      reply.raw.off('close', onClose)
    }
  })
}

export default errorsRoutes
