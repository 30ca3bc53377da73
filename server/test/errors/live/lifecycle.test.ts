import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLiveLifecycle } from '../../../src/errors/lifecycle/live-pass.js'
import { migrateLifecycleStore } from '../../../src/errors/lifecycle/migrate.js'
import { createLifecycleStore, type LifecycleStore } from '../../../src/errors/lifecycle/store.js'
import type { LiveRefresher } from '../../../src/errors/live/refresher.js'
import { parseLiveMessage } from '../../../src/errors/live/subscription.js'
import type { LogSource } from '../../../src/logs/source.js'
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js'
import { startLokiDouble, type LokiDouble } from '../../helpers/loki-double.js'
import { lokiSource, peer, refresher, store as lokiStore, sub } from './fixtures.js'

// The live tails against the lifecycle in the real PostgreSQL store, lines from the Loki double.
describe('the live tails respect the error lifecycle', () => {
  let double: LokiDouble
  let source: LogSource
  let db: TestDatabase
  let pool: pg.Pool
  let store: LifecycleStore
  let live: LiveRefresher | undefined
  const errors: Error[] = []
  beforeAll(async () => {
    double = await startLokiDouble({ lingerMs: 0 })
    source = lokiSource(double.url)
    db = await createTestDatabase('tw_live_lifecycle')
    pool = new pg.Pool({ connectionString: db.url, max: 2 })
    await migrateLifecycleStore(pool, () => {})
    store = createLifecycleStore(pool)
  })
  afterEach(async () => { await live?.stop(); live = undefined })
  afterAll(async () => { await source.close(); await double.close(); await pool.end(); await db.drop() })

  const lifecycle = () => createLiveLifecycle({ store: () => store, onError: (err) => { errors.push(err) } })
  /** A fingerprint the live tail gives to `msg`, from a tail without the lifecycle. */
  async function fingerprintOf (lines: ReturnType<typeof lokiStore>, msg: string, sinceMs: number): Promise<string> {
    lines.add([[Date.now() - 2000, 0, `level=error ${msg} order=0`]])
    const probe = refresher({ logSource: source, intervalMs: 60_000 })
    const p = peer()
    probe.subscribe(p, sub('probe', sinceMs))
    await probe.refresh()
    await probe.stop()
    const g = p.last()?.groups.find((x) => x.template.includes(msg))
    if (g === undefined) throw new Error(`no group for ${msg}: ${JSON.stringify(p.last()?.groups.map((x) => x.template))}`)
    return g.fingerprint
  }

  it('recomputes the tails when a group is muted here, with no new line from Loki', async () => {
    const since = Date.now() - 60_000
    const lines = lokiStore(double)
    const fp = await fingerprintOf(lines, 'voice relay dropped the room', since)
    const lc = lifecycle()
    live = refresher({ logSource: source, intervalMs: 60_000, lifecycle: lc })
    const p = peer()
    live.subscribe(p, sub('quiet', since))
    await live.refresh()
    expect(p.last()?.groups.map((g) => g.fingerprint)).toContain(fp)
    const t0 = new Date(since - 86_400_000)
    await store.record([{ fingerprint: fp, first: t0, last: t0, severity: 'high', template: 'voice relay dropped the room' }])
    await store.act(fp, 'mute', 'ana', new Date(), { until: null, detail: 'for good' })
    // As the routes do after a mute: without it, a quiet stream would keep the group on the page.
    lc.changed()
    const framesBefore = p.frames.length
    await live.refresh()
    expect(p.frames.length).toBe(framesBefore + 1)
    expect(p.last()?.groups.map((g) => g.fingerprint)).not.toContain(fp)
    expect(p.last()?.muted?.groups).toBe(1)
  })

  it('leaves a muted group out of the tail (counted in muted), shows it with muted=include, and shows it again once unmuted', async () => {
    const since = Date.now() - 60_000
    const lines = lokiStore(double)
    lines.add([[Date.now() - 3000, 0, 'level=error mail relay refused the message order=1']])
    const fp = await fingerprintOf(lines, 'chat socket reset by peer', since)
    const t0 = new Date(since - 86_400_000)
    await store.record([{ fingerprint: fp, first: t0, last: t0, severity: 'high', template: 'chat socket reset by peer' }])
    expect(await store.act(fp, 'mute', 'ana', new Date(), { until: null, detail: 'for good' })).toBeDefined()

    live = refresher({ logSource: source, intervalMs: 60_000, lifecycle: lifecycle() })
    const hiding = peer()
    const showing = peer()
    live.subscribe(hiding, sub('hide', since))
    live.subscribe(showing, sub('show', since, { muted: 'include' }))
    lines.add([[Date.now() - 1000, 0, 'level=error chat socket reset by peer order=2']])
    await live.refresh()

    const hidden = hiding.last()
    expect(hidden?.groups.map((g) => g.fingerprint)).not.toContain(fp)
    expect(hidden?.groups.some((g) => g.template.includes('mail relay'))).toBe(true)
    expect(hidden?.muted).toEqual({ groups: 1, events: 2, shown: false })
    // The totals still count the muted events, as the feed's do.
    expect(hidden?.totals.high).toBe(3)

    const shown = showing.last()
    const g = shown?.groups.find((x) => x.fingerprint === fp)
    expect(g?.count).toBe(2)
    expect(g?.lifecycle?.muted).toMatchObject({ by: 'ana', until: null })
    expect(g?.lifecycle?.new).toBe(false)
    expect(shown?.muted).toEqual({ groups: 1, events: 2, shown: true })

    // Unmuted: the next refresh with new lines shows it to the default subscriber too.
    await store.act(fp, 'unmute', 'ana', new Date())
    lines.add([[Date.now() - 500, 0, 'level=error chat socket reset by peer order=3']])
    await live.refresh()
    expect(hiding.last()?.groups.find((x) => x.fingerprint === fp)?.count).toBe(3)
    expect(hiding.last()?.muted).toEqual({ groups: 0, events: 0, shown: false })
    expect(errors).toEqual([])
  })

  it('marks a resolved group seen again in the tail regressed, and a group never stored new, without writing', async () => {
    const since = Date.now() - 60_000
    const lines = lokiStore(double)
    const fp = await fingerprintOf(lines, 'payment provider timeout', since)
    const t0 = new Date(since - 86_400_000)
    await store.record([{ fingerprint: fp, first: t0, last: t0, severity: 'high', template: 'payment provider timeout' }])
    await store.act(fp, 'resolve', 'ben', new Date(since - 1000))

    live = refresher({ logSource: source, intervalMs: 60_000, lifecycle: lifecycle() })
    const p = peer()
    live.subscribe(p, sub('a', since))
    lines.add([[Date.now() - 1000, 0, 'level=error websocket upgrade failed for lobby order=1']])
    await live.refresh()

    const back = p.last()?.groups.find((x) => x.fingerprint === fp)
    expect(back?.lifecycle).toMatchObject({ regressed: true, resolved: null, new: false, firstSeenEver: t0.toISOString() })
    const fresh = p.last()?.groups.find((x) => x.template.includes('websocket upgrade'))
    expect(fresh?.lifecycle).toMatchObject({ new: true, regressed: false, resolved: null, muted: null })
    // Read only: the store still says resolved (the feed pass writes the regression), and never saw the new group.
    const row = await store.get(fp)
    expect(row?.resolvedAt).not.toBeNull()
    expect(row?.regressedAt).toBeNull()
    expect(await store.get(fresh?.fingerprint ?? '')).toBeUndefined()
    expect(errors).toEqual([])
  })

  it('refuses a bad muted value, naming the field', () => {
    const p = parseLiveMessage({ type: 'errors.subscribe', id: 'x', since: String(Date.now()), muted: 'sometimes' }, Date.now(), 3_600_000, 7)
    expect(p).toMatchObject({ kind: 'refused', id: 'x', field: 'muted' })
    const q = parseLiveMessage({ type: 'errors.subscribe', id: 'x', since: String(Date.now()), muted: 5 }, Date.now(), 3_600_000, 7)
    expect(q).toMatchObject({ kind: 'refused', field: 'muted' })
  })
})
