import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/app.js'
import { createEmbedToken } from '../../../src/auth/embed.js'
import { createDeps } from '../../../src/deps.js'
import { createMetrics } from '../../../src/metrics/registry.js'
import { ADMIN_TOKEN, auth, buildTestApp, testConfig, type TestApp } from '../../helpers/app.js'
import { createTestDatabase } from '../../helpers/db.js'
import { have } from '../../helpers/services.js'

/** The errors and alerts parts only, and no background check: each test runs the feed itself. */
const PARTS = { parts: { database: false, scheduling: false, web: false } }
const QUIET = { ERROR_NEW_GROUP_CHECK_S: '0' }
const NOW = Date.now()
const line = (o: Record<string, unknown>) => JSON.stringify({ pid: 1, hostname: 'api', ...o })
const saveFailed = (t: number) => line({ level: 50, time: t, err: { type: 'Error', message: 'player 7 not saved' }, msg: 'session save failed' })
const dbMissing = (t: number) => line({ level: 60, time: t, msg: 'database "TovPlay" does not exist' })
const mailSlow = (t: number) => line({ level: 50, time: t, msg: 'mail relay refused the message' })

function writeLogs (dataDir: string, lines: string[], append = false) {
  const dir = path.join(dataDir, 'logs')
  fs.mkdirSync(dir, { recursive: true })
  const f = path.join(dir, 'tovplay.log')
  if (append) fs.appendFileSync(f, lines.join('\n') + '\n')
  else fs.writeFileSync(f, lines.join('\n') + '\n')
}

interface Group { fingerprint: string, template: string, severity: string, count: number, firstSeen: string, lifecycle?: Record<string, any> }
const feed = async (t: TestApp, query = '') => {
  const res = await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h${query}`, headers: auth() })
  expect(res.statusCode).toBe(200)
  return res.json() as { complete: boolean, incompleteReasons: string[], groups: Group[], muted: { groups: number, events: number, shown: boolean }, totals: Record<string, number> }
}
const byTemplate = (groups: Group[], re: RegExp) => groups.find((g) => re.test(g.template)) as Group
const act = (t: TestApp, method: 'POST' | 'DELETE', fp: string, what: 'resolve' | 'mute', body?: unknown, token?: string) =>
  t.app.inject({ method, url: `/logs/api/errors/groups/${fp}/${what}`, headers: auth(token), ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) })

let t: TestApp | undefined
afterEach(async () => { await t?.close(); t = undefined })

describe('error lifecycle through the feed and its routes (embedded PGlite)', () => {
  it('new, resolve, regressed, mute (left out and counted), unmute, each audited', async () => {
    t = await buildTestApp(QUIET, PARTS)
    writeLogs(t.config.dataDir, [saveFailed(NOW - 600_000), saveFailed(NOW - 590_000), dbMissing(NOW - 500_000), mailSlow(NOW - 400_000)])
    const first = await feed(t)
    expect(first).toMatchObject({ complete: true, incompleteReasons: [], muted: { groups: 0, events: 0, shown: false } })
    const save = byTemplate(first.groups, /session save failed/)
    expect(save.lifecycle).toEqual({
      firstSeenEver: new Date(NOW - 600_000).toISOString(),
      lastSeenEver: new Date(NOW - 590_000).toISOString(),
      new: true,
      regressed: false,
      resolved: null,
      muted: null,
      audit: [],
    })
    // A range that starts after the first sighting: no longer new.
    const later = await t.app.inject({ method: 'GET', url: `/logs/api/errors?start=${NOW - 595_000}&end=${NOW}`, headers: auth() })
    expect(byTemplate(later.json().groups, /session save failed/).lifecycle).toMatchObject({ new: false, firstSeenEver: new Date(NOW - 600_000).toISOString() })

    // Resolve: 200, who and when.
    const resolved = await act(t, 'POST', save.fingerprint, 'resolve')
    expect(resolved.statusCode).toBe(200)
    expect(resolved.json()).toMatchObject({ fingerprint: save.fingerprint, severity: 'high', lifecycle: { resolved: { by: 'viewer' }, regressed: false } })
    expect(resolved.json().lifecycle.audit).toEqual([{ at: resolved.json().lifecycle.resolved.at, by: 'viewer', action: 'resolve', detail: '' }])
    expect(byTemplate((await feed(t)).groups, /session save failed/).lifecycle).toMatchObject({ resolved: { by: 'viewer' }, regressed: false })

    // Seen again after the resolution: regressed, unresolved, audited as TovWatch's doing.
    writeLogs(t.config.dataDir, [saveFailed(Date.now() + 5)], true)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const back = byTemplate((await feed(t)).groups, /session save failed/)
    expect(back.lifecycle).toMatchObject({ regressed: true, resolved: null, new: true })
    expect(back.lifecycle?.audit.map((a: { by: string, action: string }) => [a.by, a.action])).toEqual([['tovwatch', 'regressed'], ['viewer', 'resolve']])

    // Mute for an hour: out of the default feed, counted; shown with muted=include.
    const muted = await act(t, 'POST', save.fingerprint, 'mute', { duration: '1h' })
    expect(muted.statusCode).toBe(200)
    const until = Date.parse(muted.json().lifecycle.muted.until)
    expect(until - Date.now()).toBeGreaterThan(3590_000)
    expect(until - Date.now()).toBeLessThanOrEqual(3600_000)
    const hidden = await feed(t)
    expect(hidden.groups.map((g) => g.fingerprint)).not.toContain(save.fingerprint)
    expect(hidden.muted).toEqual({ groups: 1, events: 3, shown: false })
    // The chart and totals still count every event, muted ones included.
    expect(hidden.totals.high).toBe(4)
    const shown = await feed(t, '&muted=include')
    expect(shown.muted).toEqual({ groups: 1, events: 3, shown: true })
    expect(byTemplate(shown.groups, /session save failed/).lifecycle?.muted).toEqual({ at: muted.json().lifecycle.muted.at, by: 'viewer', until: new Date(until).toISOString() })
    // The limit counts the groups shown: muted ones do not take places.
    const one = await feed(t, '&limit=1&minSeverity=high')
    expect(one.groups).toHaveLength(1)
    expect(one.groups[0]?.fingerprint).not.toBe(save.fingerprint)

    // Forever, then unmute.
    expect((await act(t, 'POST', save.fingerprint, 'mute', { duration: 'forever' })).json().lifecycle.muted.until).toBeNull()
    const unmuted = await act(t, 'DELETE', save.fingerprint, 'mute')
    expect(unmuted.json().lifecycle.muted).toBeNull()
    expect((await feed(t)).muted.groups).toBe(0)
    const unresolved = await act(t, 'DELETE', save.fingerprint, 'resolve')
    expect(unresolved.statusCode).toBe(200)
    const read = await t.app.inject({ method: 'GET', url: `/logs/api/errors/groups/${save.fingerprint}`, headers: auth() })
    expect(read.json().lifecycle.audit.map((a: { action: string }) => a.action)).toEqual(['unresolve', 'unmute', 'mute', 'mute', 'regressed'])

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toMatch(/tovwatch_error_group_actions_total\{action="mute"\} 2/)
    expect(metrics.body).toMatch(/tovwatch_error_new_groups_total\{severity="critical",alerted="true"\} 1/)
  }, 120_000)

  it('raises TovWatchNewErrorGroup for new critical and high groups, linked to the group, rate-limited', async () => {
    t = await buildTestApp({ ...QUIET, ERROR_NEW_GROUP_ALERT_LIMIT: '1', PUBLIC_URL: 'https://tw.example.com' }, PARTS)
    writeLogs(t.config.dataDir, [dbMissing(NOW - 500_000), saveFailed(NOW - 400_000), mailSlow(NOW - 300_000)])
    await t.app.errorLifecycle.checkNow()
    const body = await feed(t)
    const critical = byTemplate(body.groups, /does not exist/)
    const active = () => t!.app.alertSink.active().filter((a) => a.alertname === 'TovWatchNewErrorGroup')
    // One alert of its own (the most severe first), the other two summed in one.
    expect(active().map((a) => [a.labels.group, a.severity])).toEqual([[critical.fingerprint, 'critical'], ['more', 'high']])
    expect(active()[1]?.summary).toMatch(/^2 more new error groups/)
    // Stored through the internal alert path with a link that opens the group.
    const link = `https://tw.example.com/logs/#/errors?range=24h&group=${critical.fingerprint}`
    await expect.poll(async () => (await t!.deps.pg.store.query('SELECT generator_url FROM tw_alerts WHERE labels->>\'alertname\' = $1 AND labels->>\'group\' = $2', ['TovWatchNewErrorGroup', critical.fingerprint])).rows[0]?.generator_url, { timeout: 10_000 }).toBe(link)
    // Seen again: no second alert. Resolved: its alert resolves.
    await feed(t)
    expect(active()).toHaveLength(2)
    await act(t, 'POST', critical.fingerprint, 'resolve')
    expect(active().map((a) => a.labels.group)).toEqual(['more'])
  }, 120_000)

  it('refuses: 404 unknown group, 400 naming the field, 401 without a token', async () => {
    t = await buildTestApp(QUIET, PARTS)
    writeLogs(t.config.dataDir, [saveFailed(NOW - 600_000)])
    const fp = (await feed(t)).groups[0]?.fingerprint as string
    for (const [method, what] of [['POST', 'resolve'], ['DELETE', 'resolve'], ['POST', 'mute'], ['DELETE', 'mute']] as const) {
      const res = await act(t, method, '0123456789abcdef', what, what === 'mute' && method === 'POST' ? { duration: '1h' } : undefined)
      expect(res.statusCode, `${method} ${what}`).toBe(404)
      expect(res.json().message).toMatch(/No error group 0123456789abcdef/)
    }
    expect((await t.app.inject({ method: 'GET', url: '/logs/api/errors/groups/0123456789abcdef', headers: auth() })).statusCode).toBe(404)
    for (const bad of ['not-hex', '0123', '0123456789ABCDEF', '0123456789abcdef0', '%27%20OR%201%3D1', 'x'.repeat(90)]) {
      const res = await act(t, 'POST', bad, 'resolve')
      expect(res.statusCode, bad).toBe(400)
      expect(res.json()).toMatchObject({ field: 'fingerprint' })
    }
    // Past Fastify's parameter length: 414, never a 500.
    expect((await act(t, 'POST', 'x'.repeat(5000), 'resolve')).statusCode).toBe(414)
    for (const duration of ['', '1w', '0m', '366d', '1.5h', 'soon', 12, null, ['1h'], { h: 1 }, undefined]) {
      const res = await act(t, 'POST', fp, 'mute', duration === undefined ? {} : { duration })
      expect(res.statusCode, JSON.stringify(duration)).toBe(400)
      expect(res.json()).toMatchObject({ statusCode: 400, field: 'duration', message: expect.stringMatching(/^duration/) })
      expect(res.body).not.toMatch(/at .*\.ts:\d+/)
    }
    const noBody = await t.app.inject({ method: 'POST', url: `/logs/api/errors/groups/${fp}/mute`, headers: auth() })
    // No JSON body at all: the schema's 400 names the body.
    expect(noBody.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/body/) })
    // Bad feed switch.
    const badSwitch = await t.app.inject({ method: 'GET', url: '/logs/api/errors?muted=yes', headers: auth() })
    expect(badSwitch.json()).toMatchObject({ statusCode: 400, field: 'muted' })
    expect((await t.app.inject({ method: 'POST', url: `/logs/api/errors/groups/${fp}/resolve` })).statusCode).toBe(401)
    // Nothing was changed by the refusals.
    const read = await t.app.inject({ method: 'GET', url: `/logs/api/errors/groups/${fp}`, headers: auth() })
    expect(read.json().lifecycle).toMatchObject({ resolved: null, muted: null, audit: [] })

    // A Grafana embed token: badges, but no audit trail and no names (they name people), and no writes.
    expect((await act(t, 'POST', fp, 'resolve')).statusCode).toBe(200)
    const token = createEmbedToken(t.app.auth.embedSecret, 'error-groups', 600)
    const embedded = await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&embed_token=${token}` })
    expect(embedded.statusCode).toBe(200)
    // Nor who resolved it: the panel is shown to people who need not know.
    expect(embedded.json().groups[0].lifecycle).toMatchObject({ resolved: { by: 'someone' }, audit: [] })
    expect(embedded.body).not.toContain('"viewer"')
    expect((await feed(t)).groups[0]?.lifecycle?.audit).toHaveLength(1)
    const embedWrite = await t.app.inject({ method: 'DELETE', url: `/logs/api/errors/groups/${fp}/resolve?embed_token=${token}` })
    expect(embedWrite.statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: `/logs/api/errors?range=1h&muted=include&embed_token=${token}` })).statusCode).toBe(403)
  }, 120_000)

  it('ERROR_TRIAGE_ROLE=admin: a viewer gets 403, an admin may', async () => {
    t = await buildTestApp({ ...QUIET, ERROR_TRIAGE_ROLE: 'admin' }, PARTS)
    writeLogs(t.config.dataDir, [saveFailed(NOW - 600_000)])
    const fp = (await feed(t)).groups[0]?.fingerprint as string
    const viewer = await act(t, 'POST', fp, 'resolve')
    expect(viewer.statusCode).toBe(403)
    expect(viewer.json().message).toMatch(/admin role/)
    expect((await act(t, 'POST', fp, 'mute', { duration: '1h' })).statusCode).toBe(403)
    const admin = await act(t, 'POST', fp, 'resolve', undefined, ADMIN_TOKEN)
    expect(admin.statusCode).toBe(200)
    expect(admin.json().lifecycle.resolved.by).toBe('admin')
  }, 120_000)

  it('ERROR_TRIAGE_ROLE other than viewer or admin stops the start naming the variable', () => {
    expect(() => testConfig({ ERROR_TRIAGE_ROLE: 'root' })).toThrow(/^ERROR_TRIAGE_ROLE: expected viewer or admin/)
    expect(() => testConfig({ ERROR_NEW_GROUP_ALERT_WINDOW: '1y' })).toThrow(/^ERROR_NEW_GROUP_ALERT_WINDOW/)
    expect(() => testConfig({ ERROR_NEW_GROUP_ALERT_LIMIT: '-1' })).toThrow(/^ERROR_NEW_GROUP_ALERT_LIMIT/)
  })
})

/** Builds the app on a data directory that outlives it (buildTestApp removes its own). */
async function appOn (dataDir: string, env: Record<string, string> = {}): Promise<TestApp> {
  const config = testConfig({ ...QUIET, ...env, DATA_DIR: dataDir })
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, pino({ level: 'silent' }), metrics)
  const app = await buildApp(config, deps, { logger: false, metrics, ...PARTS })
  await app.ready()
  return { app, deps, config, close: async () => { await app.close(); await deps.close() } }
}

async function restartKeeps (env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-lifecycle-'))
  try {
    writeLogs(dataDir, [saveFailed(NOW - 600_000), dbMissing(NOW - 500_000)])
    t = await appOn(dataDir, env)
    const before = await feed(t)
    const save = byTemplate(before.groups, /session save failed/)
    const db = byTemplate(before.groups, /does not exist/)
    expect((await act(t, 'POST', save.fingerprint, 'resolve')).statusCode).toBe(200)
    expect((await act(t, 'POST', db.fingerprint, 'mute', { duration: '7d' })).statusCode).toBe(200)
    await t.close()
    t = undefined

    t = await appOn(dataDir, env)
    const after = await feed(t, '&muted=include')
    expect(after.muted).toEqual({ groups: 1, events: 1, shown: true })
    expect(byTemplate(after.groups, /session save failed/).lifecycle).toMatchObject({ firstSeenEver: save.lifecycle?.firstSeenEver, resolved: { by: 'viewer' }, regressed: false })
    expect(byTemplate(after.groups, /does not exist/).lifecycle?.muted).toMatchObject({ by: 'viewer' })
    expect(byTemplate(after.groups, /does not exist/).lifecycle?.audit).toEqual([expect.objectContaining({ action: 'mute', by: 'viewer', detail: 'for 7d' })])
    // The new-group alert was raised before the restart: not again.
    await t.app.errorLifecycle.checkNow()
    expect(t.app.alertSink.active().filter((a) => a.alertname === 'TovWatchNewErrorGroup')).toEqual([])
  } finally {
    await t?.close()
    t = undefined
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

const HAVE_PG = await have('postgres')
describe('error lifecycle across a restart', () => {
  it('keeps resolved, muted, first seen and the audit on the embedded PGlite', async () => { await restartKeeps({}) }, 180_000)
  it.skipIf(!HAVE_PG)('keeps them on the real PostgreSQL', async () => {
    const db = await createTestDatabase('tw_lifecycle')
    try { await restartKeeps({ DATABASE_URL: db.url }) } finally { await db.drop() }
  }, 180_000)
})
