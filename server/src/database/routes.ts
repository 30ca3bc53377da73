import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { pgErrorCode } from '../infra/postgres.js'
import { redactText } from '../infra/logger.js'
import { auditResult, auditStart } from './audit.js'
import { AUTH_ERRORS, errorResponses } from '../infra/http.js'
import { ConnectionsResponse, DatabaseResponse, GuardResetBody, TerminateBody, TerminateResponse } from './schemas.js'
import { idleConnections } from './terminate.js'
import { connectionsView, databaseView, type ConnectionHistoryColumns } from './view.js'
import type { DatabaseWatch } from './watch.js'

/** The database watch's HTTP API, under the BASE_PATH prefix. Reads come from the last probe; only admin actions touch PostgreSQL. */
export const databaseRoutes: FastifyPluginAsyncTypebox<{ watch: DatabaseWatch, connectionHistory?: () => ConnectionHistoryColumns }> = async (app, { watch, connectionHistory }) => {
  const { config, deps } = app
  app.get('/api/database', {
    config: { auth: 'embed' },
    schema: { response: { 200: DatabaseResponse, ...errorResponses(...AUTH_ERRORS) } },
  }, async () => databaseView(watch, config.database))

  app.get('/api/connections', {
    config: { auth: 'embed' },
    schema: { response: { 200: ConnectionsResponse, ...errorResponses(...AUTH_ERRORS) } },
  }, async (request) => connectionsView(watch, request.principal?.role === 'admin' && request.principal.via !== 'embed', connectionHistory?.()))

  app.post('/api/database/guards/reset', {
    config: { auth: 'admin' },
    schema: { body: GuardResetBody, response: { 200: DatabaseResponse, ...errorResponses(400, ...AUTH_ERRORS, 404, 415, 503) } },
  }, async (request) => {
    const { table } = request.body
    // The name is only looked up among the guards; it never reaches SQL.
    if (!watch.snapshot().guards.some((g) => g.table === table)) throw app.httpErrors.notFound(`No guard for table "${table}". Guards exist for the watched tables only.`)
    const actor = request.principal?.name ?? 'unknown'
    try {
      const id = await auditStart(deps.pg.store, { actor, via: request.principal?.via ?? 'unknown', action: 'guard-reset', params: { table }, requestId: request.id })
      watch.resetGuard(table)
      await auditResult(deps.pg.store, id, { reset: true }).catch(() => {})
    } catch (err) {
      request.log.error({ err: { message: redactText((err as Error).message) } }, 'audit store unavailable: guard reset refused')
      throw app.httpErrors.serviceUnavailable('The audit store (TOVWATCH_DATABASE_URL) is unavailable, so the guard was not reset.')
    }
    request.log.warn({ audit: { actor, action: 'guard-reset', table, at: new Date().toISOString() } }, 'row guard reset by an admin')
    return databaseView(watch, config.database)
  })

  app.post('/api/connections/terminate-idle', {
    config: { auth: 'admin' },
    schema: { body: TerminateBody, response: { 200: TerminateResponse, ...errorResponses(400, ...AUTH_ERRORS, 409, 415, 503) } },
  }, async (request) => {
    const { idleMinutes, dryRun } = request.body
    if (!config.database.allowTerminateIdle) {
      throw app.httpErrors.forbidden('Terminating idle connections is off. Set ALLOW_TERMINATE_IDLE=true to allow it (the monitoring role also needs pg_signal_backend).')
    }
    if (deps.pg.kind === 'embedded') throw app.httpErrors.conflict('Not available on embedded PostgreSQL: it has no other connections to terminate.')
    const principal = request.principal
    const actor = principal?.name ?? 'unknown'
    let auditId: string | null = null
    if (!dryRun) {
      try {
        auditId = await auditStart(deps.pg.store, { actor, via: principal?.via ?? 'unknown', action: 'terminate-idle', params: { idleMinutes }, requestId: request.id })
      } catch (err) {
        request.log.error({ err: { message: redactText((err as Error).message) } }, 'audit store unavailable: terminate-idle refused')
        throw app.httpErrors.serviceUnavailable('The audit store (TOVWATCH_DATABASE_URL) is unavailable, so the action was not taken: nothing was terminated.')
      }
    }
    let connections
    try {
      connections = await idleConnections(deps.pg.monitor, idleMinutes, !dryRun, deps.pg.ownPids?.() ?? [])
    } catch (err) {
      const code = pgErrorCode(err)
      if (auditId !== null) await auditResult(deps.pg.store, auditId, { error: code ?? 'failed' }).catch(() => {})
      if (code === '42501') throw app.httpErrors.forbidden('The monitoring role may not terminate these connections: GRANT pg_signal_backend TO the monitoring role (see server/sql/monitor-role.sql).')
      throw app.httpErrors.serviceUnavailable(`The monitored database did not answer: ${redactText((err as Error).message)}`)
    }
    const measuredAt = new Date().toISOString()
    if (auditId !== null) {
      await auditResult(deps.pg.store, auditId, { terminated: connections.filter((c) => c.terminated).map((c) => c.pid), candidates: connections.length })
        .catch((err: unknown) => request.log.error({ err }, 'audit result not written'))
    }
    request.log.warn({
      audit: { actor, via: principal?.via, action: 'terminate-idle', dryRun, idleMinutes, auditId, at: measuredAt, pids: connections.map((c) => c.pid), terminated: connections.filter((c) => c.terminated).length },
    }, dryRun ? 'terminate-idle dry run' : 'terminate-idle executed')
    return { dryRun, idleMinutes, measuredAt, auditId, connections }
  })
}
