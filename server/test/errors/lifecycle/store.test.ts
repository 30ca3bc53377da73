import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createPool, startEmbeddedPostgres } from '../../../src/infra/postgres.js'
import { migrateLifecycleStore } from '../../../src/errors/lifecycle/migrate.js'
import { createLifecycleStore } from '../../../src/errors/lifecycle/store.js'
import { createTestDatabase } from '../../helpers/db.js'
import { have } from '../../helpers/services.js'

const closers: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of closers.reverse()) await c() })

const T = (s: string) => new Date(`2026-12-01T${s}Z`)
const obs = (fingerprint: string, first: string, last: string, severity = 'high') => ({ fingerprint, first: T(first), last: T(last), severity, template: `boom ${fingerprint}` })

async function realPool (): Promise<pg.Pool> {
  const db = await createTestDatabase('tw_lifecycle')
  const pool = new pg.Pool({ connectionString: db.url, max: 2 })
  closers.push(async () => { await pool.end(); await db.drop() })
  return pool
}

async function embeddedPool (): Promise<pg.Pool> {
  const embedded = await startEmbeddedPostgres(undefined)
  const pool = createPool(embedded.connectionString, { max: 2, applicationName: 't', statementTimeoutMs: 30_000 })
  closers.push(async () => { await pool.end(); await embedded.close() })
  return pool
}

const stores = [
  ['the real PostgreSQL', realPool, async () => await have('postgres')],
  ['the embedded PGlite', embeddedPool, async () => true],
] as const

for (const [name, makePool, available] of stores) {
  describe.skipIf(!(await available()))(`error lifecycle store on ${name}`, () => {
    it('widens first/last seen, keeps the most severe, regresses once, audits every action', async () => {
      const pool = await makePool()
      await migrateLifecycleStore(pool, () => {})
      await migrateLifecycleStore(pool, () => {}) // idempotent
      const store = createLifecycleStore(pool)

      await store.record([obs('aaaaaaaaaaaaaaaa', '10:00:00', '10:05:00', 'high'), obs('bbbbbbbbbbbbbbbb', '10:00:00', '10:00:00', 'critical')])
      await store.record([obs('aaaaaaaaaaaaaaaa', '09:00:00', '10:01:00', 'critical')])
      const a = await store.get('aaaaaaaaaaaaaaaa')
      expect(a).toMatchObject({ firstSeen: T('09:00:00'), lastSeen: T('10:05:00'), severity: 'critical', template: 'boom aaaaaaaaaaaaaaaa', resolvedAt: null, actions: 0 })
      await store.record([obs('aaaaaaaaaaaaaaaa', '11:00:00', '11:00:00', 'low')])
      expect((await store.get('aaaaaaaaaaaaaaaa'))?.severity).toBe('critical')

      expect(await store.act('cccccccccccccccc', 'resolve', 'anna', T('12:00:00'))).toBeUndefined()
      const resolved = await store.act('aaaaaaaaaaaaaaaa', 'resolve', 'anna', T('12:00:00'))
      expect(resolved).toMatchObject({ resolvedAt: T('12:00:00'), resolvedBy: 'anna', actions: 1 })

      // Seen before the resolution: nothing; after it: regressed, once, however many ask.
      expect(await store.regress([{ fingerprint: 'aaaaaaaaaaaaaaaa', at: T('11:59:00') }], T('12:30:00'))).toEqual([])
      const both = await Promise.all([
        store.regress([{ fingerprint: 'aaaaaaaaaaaaaaaa', at: T('12:10:00') }], T('12:30:00')),
        store.regress([{ fingerprint: 'aaaaaaaaaaaaaaaa', at: T('12:10:00') }], T('12:30:00')),
      ])
      expect(both.flat()).toEqual(['aaaaaaaaaaaaaaaa'])
      expect(await store.get('aaaaaaaaaaaaaaaa')).toMatchObject({ resolvedAt: null, regressedAt: T('12:10:00'), actions: 2 })

      const muted = await store.act('bbbbbbbbbbbbbbbb', 'mute', 'ben', T('13:00:00'), { until: T('14:00:00'), detail: 'for 1h' })
      expect(muted).toMatchObject({ mutedAt: T('13:00:00'), mutedBy: 'ben', mutedUntil: T('14:00:00'), mutedForever: false })
      const forever = await store.act('bbbbbbbbbbbbbbbb', 'mute', 'ben', T('13:05:00'), { until: null, detail: 'forever' })
      expect(forever).toMatchObject({ mutedUntil: null, mutedForever: true })
      expect(await store.act('bbbbbbbbbbbbbbbb', 'unmute', 'cleo', T('13:10:00'))).toMatchObject({ mutedAt: null, mutedUntil: null, mutedForever: false, actions: 3 })

      const trails = await store.audit(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'cccccccccccccccc'], 2)
      expect(trails.get('aaaaaaaaaaaaaaaa')?.map((x) => [x.actor, x.action])).toEqual([['tovwatch', 'regressed'], ['anna', 'resolve']])
      expect(trails.get('aaaaaaaaaaaaaaaa')?.[0]?.detail).toBe('seen again at 2026-12-01T12:10:00Z')
      // The newest two of three.
      expect(trails.get('bbbbbbbbbbbbbbbb')?.map((x) => [x.actor, x.action, x.detail])).toEqual([['cleo', 'unmute', ''], ['ben', 'mute', 'forever']])
      expect(trails.has('cccccccccccccccc')).toBe(false)
    }, 120_000)

    it('claims a new-group alert once across concurrent callers, and reads many groups in one query', async () => {
      const pool = await makePool()
      await migrateLifecycleStore(pool, () => {})
      const store = createLifecycleStore(pool)
      const many = Array.from({ length: 2000 }, (_, i) => obs(i.toString(16).padStart(16, '0'), '10:00:00', '10:00:01'))
      await store.record(many)
      const rows = await store.read(many.map((o) => o.fingerprint).concat(['ffffffffffffffff']))
      expect(rows.size).toBe(2000)
      const fps = many.slice(0, 10).map((o) => o.fingerprint)
      // First seen before `since`: not news, nothing claimed.
      expect(await store.claimAlerts(fps, T('10:01:00'), T('10:00:01'))).toEqual([])
      const claims = await Promise.all([store.claimAlerts(fps, T('10:01:00'), T('09:00:00')), store.claimAlerts(fps, T('10:01:00'), T('09:00:00'))])
      expect(claims.flat().map((r) => r.fingerprint).sort()).toEqual(fps)
      expect(claims.flat()[0]).toMatchObject({ severity: 'high', template: expect.stringMatching(/^boom /), alertedAt: T('10:01:00') })
      expect(await store.claimAlerts(fps, T('10:02:00'), T('09:00:00'))).toEqual([])
      // Medium and low groups are never claimed.
      await store.record([obs('eeeeeeeeeeeeeeee', '10:00:00', '10:00:00', 'medium')])
      expect(await store.claimAlerts(['eeeeeeeeeeeeeeee'], T('10:01:00'), T('09:00:00'))).toEqual([])

      // Only the resolved or muted-now groups come back from flagged().
      await store.act(fps[0] as string, 'resolve', 'anna', T('11:00:00'))
      await store.act(fps[1] as string, 'mute', 'anna', T('11:00:00'), { until: T('12:00:00'), detail: 'for 1h' })
      await store.act(fps[2] as string, 'mute', 'anna', T('11:00:00'), { until: null, detail: 'forever' })
      expect([...(await store.flagged(many.map((o) => o.fingerprint), T('11:30:00'))).keys()].sort()).toEqual(fps.slice(0, 3))
      expect([...(await store.flagged(many.map((o) => o.fingerprint), T('12:00:00'))).keys()].sort()).toEqual([fps[0], fps[2]])
    }, 120_000)
  })
}
