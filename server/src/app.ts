import cookie from '@fastify/cookie'
import sensible from '@fastify/sensible'
import websocket from '@fastify/websocket'
import { closeStreamsLast } from './alerts/stream-close.js'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Logger } from 'pino'
import { Registry } from 'prom-client'
import { createAlertSink, type AlertSink } from './alerts/sink.js'
import alertsPlugin from './alerts/plugin.js'
import authPlugin from './auth/plugin.js'
import { authAdminRoutes } from './auth/admin-routes.js'
import authRoutes from './auth/routes.js'
import type { Config } from './config.js'
import databasePlugin from './database/plugin.js'
import type { Deps } from './deps.js'
import errorsPlugin from './errors/plugin.js'
import liveErrorsPlugin from './errors/live/plugin.js'
import { createHealthRegistry, type HealthRegistry } from './infra/health.js'
import { routePrefix, statusName } from './infra/http.js'
import healthRoutes from './infra/health-routes.js'
import { loggerOptions, redactText } from './infra/logger.js'
import { clientRequestId } from './infra/request-id.js'
import { setApiHeaders } from './web/api-headers.js'
import logsPlugin from './logs/plugin.js'
import { createMetrics, type Metrics } from './metrics/registry.js'
import metricsRoutes from './metrics/routes.js'
import schedulingPlugin from './scheduling/plugin.js'
import webPlugin from './web/plugin.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    deps: Deps
    metrics: Metrics
    health: HealthRegistry
    alertSink: AlertSink
  }
}

export interface BuildOptions {
  /** A pino logger (main.ts), or false to stay quiet (tests). Defaults to the config's level on stdout. */
  logger?: Logger | false
  /** The metrics the deps were created with; a fresh registry otherwise. Never the global one. */
  metrics?: Metrics
  /** Leave out parts a test does not need. Everything is on by default. */
  parts?: Partial<Record<'errors' | 'database' | 'alerts' | 'scheduling' | 'web', boolean>>
}

/**
 * Builds the whole service without listening: main.ts listens, tests inject.
 * Every service is created here once and handed to the plugins that use it.
 */
export async function buildApp (config: Config, deps: Deps, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const logging: Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> = opts.logger === false
    ? { logger: false }
    : opts.logger !== undefined ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: loggerOptions(config.logLevel) }
  const app = Fastify({
    ...logging,
    trustProxy: trustProxyOption(config.security.trustProxy),
    bodyLimit: 1024 * 1024,
    // The request id is always ours: it keys the audit rows. A client's own id is only logged (request-id.ts).
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const metrics = opts.metrics ?? createMetrics(new Registry())
  app.decorate('config', config)
  app.decorate('deps', deps)
  app.decorate('metrics', metrics)
  app.decorate('health', createHealthRegistry())
  app.decorate('alertSink', createAlertSink((err) => app.log.error({ err }, 'internal alert handler failed')))

  app.addHook('onRequest', async (request, reply) => {
    const clientId = clientRequestId(request.headers['x-request-id'])
    if (clientId !== undefined) {
      request.log = request.log.child({ clientRequestId: clientId })
      reply.log = request.log
    }
  })
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id)
    setApiHeaders(request, reply)
    return payload
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })

  // One error handler: 4xx shows its message (and the field at fault), 5xx hides it (it is
  // logged with the request); 502/503/504 say which dependency failed.
  app.setErrorHandler((err: Error & { statusCode?: number, validation?: unknown, code?: string, field?: unknown }, request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ err: { message: redactText(err.message), code: err.code } }, 'request refused')
    const shown = status < 500 || status === 502 || status === 503 || status === 504
    const message = shown
      ? redactText(err.validation !== undefined ? `Invalid request: ${err.message}` : err.message)
      : 'Internal error. It has been logged with request id ' + request.id + '.'
    const field = shown && typeof err.field === 'string' ? { field: err.field } : {}
    return reply.code(status).send({ statusCode: status, error: statusName(status), message, ...field })
  })
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ statusCode: 404, error: statusName(404), message: redactText(`No route for ${request.method} ${request.url.split('?')[0] ?? ''}`) })
  })

  await app.register(sensible)
  await app.register(cookie)
  await app.register(websocket, { options: { maxPayload: 64 * 1024 }, preClose: closeStreamsLast })
  await app.register(authPlugin)
  const prefix = routePrefix(config.basePath)
  await app.register(authRoutes, { prefix })
  await app.register(authAdminRoutes, { prefix })
  await app.register(metricsRoutes)
  await app.register(healthRoutes, { prefix })
  await app.register(logsPlugin)

  const parts = { errors: true, database: true, alerts: true, scheduling: true, web: true, ...opts.parts }
  if (parts.errors) await app.register(errorsPlugin)
  if (parts.database) await app.register(databasePlugin)
  if (parts.alerts) await app.register(alertsPlugin)
  if (parts.errors && parts.alerts) await app.register(liveErrorsPlugin)
  if (parts.scheduling) await app.register(schedulingPlugin)
  if (parts.web) await app.register(webPlugin)

  return app
}

/** A hop count as the function Fastify makes of one (its types take no number). */
function trustProxyOption (t: Config['security']['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof t !== 'number') return t
  return (_address: string, hop: number) => hop < t
}
