import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AUTH_ERRORS, errorResponses } from '../../infra/http.js'
import { auditResult, auditStart } from '../../database/audit.js'
import { redactText } from '../../infra/logger.js'
import type { AlertStore } from '../store.js'
import { AlertmanagerError, type AlertmanagerClient } from './client.js'
import { NO_ALERTMANAGER, type Muting } from './muting.js'
import { CreatedReply, MutingReply, PostableSilenceSchema, SilencesReply } from './schemas.js'
import { checkSilence, reachOf, SilenceInputError } from './validate.js'

interface Options { client: AlertmanagerClient | undefined, muting: Muting, store: AlertStore }

/** Silences through Alertmanager's API v2: list (viewers), create and expire (admins, audited). */
export const silenceRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { client, muting, store }) => {
  const errors = errorResponses(400, ...AUTH_ERRORS, 404, 409, 502, 503, 504)
  const needClient = () => {
    if (client === undefined) throw app.httpErrors.serviceUnavailable(NO_ALERTMANAGER)
    return client
  }
  const fail = (err: unknown): never => {
    if (err instanceof AlertmanagerError || err instanceof SilenceInputError) throw app.httpErrors.createError(err.status, err.message)
    throw err
  }
  const audited = async <T>(request: { principal?: { name: string, via: string }, id: string }, action: string, params: unknown, run: () => Promise<T>): Promise<T> => {
    let auditId: string
    try {
      auditId = await auditStart(app.deps.pg.store, { actor: request.principal?.name ?? 'unknown', via: request.principal?.via ?? 'unknown', action, params, requestId: request.id })
    } catch (err) {
      app.log.error({ err: { message: redactText((err as Error).message) } }, `audit store unavailable: ${action} refused`)
      throw app.httpErrors.serviceUnavailable('The audit store (TOVWATCH_DATABASE_URL) is unavailable, so nothing was sent to Alertmanager.')
    }
    try {
      const out = await run()
      await auditResult(app.deps.pg.store, auditId, { ok: out }).catch(() => {})
      return out
    } catch (err) {
      await auditResult(app.deps.pg.store, auditId, { error: (err as Error).message }).catch(() => {})
      throw err
    }
  }

  app.get('/api/alerts/muting', {
    config: { auth: 'embed' },
    schema: { querystring: Type.Object({ embed_token: Type.Optional(Type.String()) }), response: { 200: MutingReply, ...errorResponses(...AUTH_ERRORS) } },
  }, async () => muting.state())

  app.get('/api/silences', {
    config: { auth: 'viewer' },
    schema: {
      querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('current'), Type.Literal('all')])) }),
      response: { 200: SilencesReply, ...errorResponses(...AUTH_ERRORS, 502, 503, 504) },
    },
  }, async (request) => {
    const measuredAt = new Date().toISOString()
    if (client === undefined) return { available: false, message: NO_ALERTMANAGER, measuredAt, silences: [] }
    try {
      const all = await client.silences()
      const silences = request.query.state === 'all' ? all : all.filter((s) => s.status.state !== 'expired')
      silences.sort((a, b) => (a.endsAt < b.endsAt ? -1 : a.endsAt > b.endsAt ? 1 : 0))
      return { available: true, message: '', measuredAt, silences }
    } catch (err) {
      if (err instanceof AlertmanagerError) return { available: true, message: err.message, measuredAt, silences: [] }
      throw err
    }
  })

  app.post('/api/silences', {
    config: { auth: 'admin' },
    schema: {
      querystring: Type.Object({ confirm: Type.Optional(Type.Boolean()) }),
      body: PostableSilenceSchema,
      response: { 201: CreatedReply, ...errors },
    },
  }, async (request, reply) => {
    const am = needClient()
    const body = request.body
    const reach = await (async () => {
      const { matchers } = checkSilence(body)
      const firing = await store.firingLabels()
      return reachOf(matchers, firing, request.query.confirm === true)
    })().catch((err: unknown) => {
      if (err instanceof SilenceInputError) return fail(err)
      throw app.httpErrors.serviceUnavailable('The alert store is unavailable, so the silence could not be checked: nothing was created.')
    })
    const silence = {
      matchers: body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
      startsAt: new Date(body.startsAt).toISOString(),
      endsAt: new Date(body.endsAt).toISOString(),
      comment: body.comment,
      createdBy: request.principal?.name ?? 'unknown',
    }
    const created = await audited(request, 'silence-create', silence, () => am.create(silence)).catch(fail)
    await muting.announce().catch(() => {})
    request.log.info({ audit: { actor: silence.createdBy, action: 'silence-create', id: created.silenceID, matched: reach.matched } }, 'silence created')
    return reply.code(201).send({ id: created.silenceID, ...reach })
  })

  app.delete('/api/silences/:id', {
    config: { auth: 'admin' },
    schema: {
      params: Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F-]{1,64}$' }) }),
      response: { 200: Type.Object({ id: Type.String(), expired: Type.Boolean() }), ...errors },
    },
  }, async (request) => {
    const am = needClient()
    const { id } = request.params
    const existing = await am.silence(id).catch(fail)
    if (existing.status.state === 'expired') throw app.httpErrors.conflict(`Silence ${id} has already expired.`)
    await audited(request, 'silence-expire', { id }, () => am.expire(id)).catch(fail)
    await muting.announce().catch(() => {})
    return { id, expired: true }
  })
}
