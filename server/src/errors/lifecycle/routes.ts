import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Static } from 'typebox'
import { AUTH_ERRORS, errorResponses } from '../../infra/http.js'
import type { Role } from '../../config.js'
import { AUDIT_PER_GROUP } from './feed-pass.js'
import { lifecycleOf, parseMuteDuration } from './rules.js'
import { GroupLifecycleResponse, GroupParams, MuteBody } from './schemas.js'
import type { Action, GroupRow, LifecycleStore } from './store.js'

const FINGERPRINT = /^[0-9a-f]{16}$/
/** An action's answer says whether the group is new within the last day. */
const NEW_WITHIN_MS = 86_400_000

export interface LifecycleRouteOptions {
  store: () => LifecycleStore | undefined
  /** ERROR_TRIAGE_ROLE: the auth hook answers 403 to a lesser role. */
  triageRole: Role
  /** A group was resolved or muted: its new-group alert resolves. */
  onTriaged: (fingerprint: string) => void
  onAction: (action: Action) => void
}

/**
 * Resolve, unresolve, mute and unmute an error group, and read its lifecycle:
 * {BASE_PATH}/api/errors/groups/:fingerprint[/resolve|/mute]. Each write is audited (who, when).
 */
export const lifecycleRoutes: FastifyPluginAsyncTypebox<LifecycleRouteOptions> = async (app, opts) => {
  const responses = { 200: GroupLifecycleResponse, ...errorResponses(400, ...AUTH_ERRORS, 404, 503) }

  function storeOrRefuse (): LifecycleStore {
    const s = opts.store()
    if (s === undefined) throw app.httpErrors.serviceUnavailable('The error lifecycle store (TOVWATCH_DATABASE_URL) is not ready; try again shortly.')
    return s
  }
  const unavailable = () => app.httpErrors.serviceUnavailable('The error lifecycle store (TOVWATCH_DATABASE_URL) did not answer; try again shortly.')
  function checked (fingerprint: string): string {
    if (!FINGERPRINT.test(fingerprint)) throw app.httpErrors.createError(400, `fingerprint must be a group's 16 hex digits, as in the feed (got "${fingerprint.slice(0, 40)}")`, { field: 'fingerprint' })
    return fingerprint
  }
  const notFound = (fp: string) => app.httpErrors.notFound(`No error group ${fp}: TovWatch has not seen it in any feed answer.`)

  async function answer (store: LifecycleStore, row: GroupRow): Promise<Static<typeof GroupLifecycleResponse>> {
    const now = new Date()
    const trail = (await store.audit([row.fingerprint], AUDIT_PER_GROUP)).get(row.fingerprint)
    return { fingerprint: row.fingerprint, template: row.template, severity: row.severity, lifecycle: lifecycleOf(row, { startMs: now.getTime() - NEW_WITHIN_MS, endMs: now.getTime() }, now, trail) }
  }

  app.get('/api/errors/groups/:fingerprint', {
    config: { auth: 'viewer' },
    schema: { params: GroupParams, response: responses },
  }, async (request) => {
    const fp = checked(request.params.fingerprint)
    const store = storeOrRefuse()
    const row = await store.get(fp).catch(() => { throw unavailable() })
    if (row === undefined) throw notFound(fp)
    return await answer(store, row).catch(() => { throw unavailable() })
  })

  const act = (action: Action) => async (request: { params: { fingerprint: string }, body?: unknown, principal: { name: string } | undefined }) => {
    const fp = checked(request.params.fingerprint)
    let mute: { until: Date | null, detail: string } | undefined
    const now = new Date()
    if (action === 'mute') {
      const raw = (request.body as Static<typeof MuteBody> | undefined)?.duration
      if (typeof raw !== 'string') throw app.httpErrors.createError(400, `duration ${raw === undefined ? 'is missing' : 'must be a string'}: forever, or a length such as 1h, 24h or 7d`, { field: 'duration' })
      const d = parseMuteDuration(raw)
      if ('error' in d) throw app.httpErrors.createError(400, d.error, { field: 'duration' })
      mute = { until: d.ms === null ? null : new Date(now.getTime() + d.ms), detail: d.ms === null ? 'forever' : `for ${raw.trim()}` }
    }
    const store = storeOrRefuse()
    const row = await store.act(fp, action, request.principal?.name ?? 'unknown', now, mute).catch(() => { throw unavailable() })
    if (row === undefined) throw notFound(fp)
    opts.onAction(action)
    if (action === 'resolve' || action === 'mute') opts.onTriaged(fp)
    return await answer(store, row).catch(() => { throw unavailable() })
  }

  const write = { config: { auth: opts.triageRole }, schema: { params: GroupParams, response: responses } }
  app.post('/api/errors/groups/:fingerprint/resolve', write, act('resolve'))
  app.delete('/api/errors/groups/:fingerprint/resolve', write, act('unresolve'))
  app.post('/api/errors/groups/:fingerprint/mute', { ...write, schema: { ...write.schema, body: MuteBody } }, act('mute'))
  app.delete('/api/errors/groups/:fingerprint/mute', write, act('unmute'))
}
