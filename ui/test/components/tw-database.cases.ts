import { describe, expect, it } from 'vitest'
import { databaseAnswer, table } from './fixtures.js'
import type { Harness } from './page.js'

const DATABASE = 'GET /logs/api/database'
const TRENDS = 'GET /logs/api/database/trends'
const noTrends = { measuredAt: null, dropRule: { pct: 10, rows: null, window: '1h' }, tables: {} }

export function twDatabase (h: Harness): void {
  describe('tw-database', () => {
    const texts = async (path: string) => (await h.read(path)).map((f) => f.text)
    const mount = async (trends: unknown = noTrends) => {
      await h.reply(TRENDS, { status: 200, body: trends })
      await h.mount('tw-database')
    }
    /** The table body as [name, rows, change, size, measured] per row (1 h, 24 h and 7 d changes left out). */
    const rows = async () => {
      const cells = await texts('tw-database >>> tbody tr td')
      return Array.from({ length: cells.length / 8 }, (_, i) => cells.slice(i * 8, i * 8 + 8)).map((r) => [r[0], r[1], r[2], r[6], r[7]])
    }
    // A wrong database once showed "0 users": these counts must never reach the screen as numbers.
    const tables = () => [
      table('users', { watched: true, rows: 0, changeSinceLastProbe: -1200 }),
      table('games', { rows: 4321, changeSinceLastProbe: 12 }),
      table('events', { rows: null, rowsExact: false, estimatedRows: null, changeSinceLastProbe: null, totalBytes: null }),
    ]

    for (const [status, title] of [['wrong_database', 'Connected to the WRONG database'], ['unverified', 'Not sure this is the TovPlay database']] as const) {
      it(`identity ${status}: a loud banner with its title, and no row count or change shown as a number`, async () => {
        const answer = databaseAnswer({
          identity: { ok: false, status, message: `identity check: ${status}`, expectedDatabase: 'TovPlay', currentDatabase: 'postgres', serverVersion: '15.8', missingTables: [] },
          tables: tables(),
        })
        await h.reply(DATABASE, { status: 200, body: answer })
        await mount()
        expect((await h.requests()).map((r) => `${r.method} ${r.url}`).sort()).toEqual(['GET /logs/api/database', 'GET /logs/api/database/trends'])
        const banners = await h.read('tw-database >>> .banner.danger.loud')
        expect(banners).toHaveLength(1)
        expect(banners[0]?.attrs.role).toBe('alert')
        expect(await texts('tw-database >>> .banner.loud strong')).toEqual([title])
        expect(banners[0]?.text).toContain(`identity check: ${status}`)
        expect(banners[0]?.text).toContain('Expected TovPlay, connected to postgres.')
        expect(banners[0]?.text).toContain('Row counts below are not trustworthy')
        // Before any other card: the first thing read.
        expect((await h.read('tw-database >>> .banner, .card'))[0]?.attrs.class).toContain('loud')
        const body = await rows()
        expect(body.map((r) => r[0])).toEqual(['userswatched', 'games', 'events'])
        expect(body.map((r) => r[1])).toEqual(['unknown', 'unknown', 'unknown'])
        expect(body.map((r) => r[2])).toEqual(['—', '—', '—'])
        // Sizes too: they may be the wrong database's.
        expect(body.map((r) => r[3])).toEqual(['—', '—', '—'])
        expect(body.flatMap((r) => [r[1], r[2], r[3]]).join(' ')).not.toMatch(/\d/)
        expect(await texts('tw-database >>> #id-h + dl dd.neg')).toEqual([status])
      })
    }

    it('identity ok: counts and changes shown, a row never measured reads "not yet" (not 0), and every number shows its age', async () => {
      const answer = databaseAnswer({ tables: tables() })
      await h.reply(DATABASE, { status: 200, body: answer })
      await mount()
      expect(await h.read('tw-database >>> .banner')).toEqual([])
      const body = await rows()
      expect(body.map((r) => r.slice(0, 4))).toEqual([
        ['userswatched', '0', '−1,200', '16 kB'],
        ['games', '4,321', '+12', '16 kB'],
        ['events', 'not yet', '—', '—'],
      ])
      // Each row's measurement time, as text and as a machine-readable datetime.
      const ages = await h.read('tw-database >>> tbody tr tw-age >>> time')
      expect(ages).toHaveLength(3)
      for (const [i, t] of answer.tables.entries()) {
        expect(ages[i]?.attrs.datetime).toBe(t.measuredAt)
        expect(ages[i]?.text).toMatch(/^2\d s ago$/)
      }
      const [head] = await h.read('tw-database >>> #tables-h + tw-age >>> time')
      expect(head?.attrs.datetime).toBe(answer.measuredAt)
      expect(head?.text).toMatch(/^measured 1\d s ago$/)
      expect(head?.attrs.class ?? '').not.toContain('stale')
    })

    it('a probe the server calls stale greys the table\'s age, and old row measurements are stale too', async () => {
      const old = new Date(Date.now() - 10 * 60_000).toISOString()
      await h.reply(DATABASE, { status: 200, body: databaseAnswer({ stale: true, measuredAt: old, tables: [table('users', { measuredAt: old })] }) })
      await mount()
      expect((await h.read('tw-database >>> #tables-h + tw-age >>> time'))[0]?.attrs.class).toBe('stale')
      const [row] = await h.read('tw-database >>> tbody tw-age >>> time')
      expect(row?.text).toBe('10 min ago')
      expect(row?.attrs.class).toBe('stale')
    })

    it('the backup\'s age ticks on the page\'s clock and greys out past BACKUP_MAX_AGE_H; an unverified dump file says so', async () => {
      const at = new Date(Date.now() - 7 * 3600_000).toISOString()
      await h.reply(DATABASE, { status: 200, body: databaseAnswer({ backup: { source: 'dir', lastGoodAt: at, ageSeconds: 7 * 3600, maxAgeHours: 6, stale: true, verified: false, message: 'newest dump is 7 h old' } }) })
      await mount()
      const [age] = await h.read('tw-database >>> #bk-h + dl tw-age >>> time')
      expect(age?.attrs.datetime).toBe(at)
      expect(age?.text).toBe('7 h ago')
      expect(age?.attrs.class).toBe('stale')
      const dd = await h.read('tw-database >>> #bk-h + dl dd')
      expect(dd[0]?.text).toContain('— too old')
      expect(dd.map((d) => d.text).join(' ')).toContain('(unverified dump file)')

      await h.reset()
      await h.reply(DATABASE, { status: 200, body: databaseAnswer({ backup: { source: 'dir', lastGoodAt: null, ageSeconds: null, maxAgeHours: 6, stale: true, verified: false, message: 'no backup found' } }) })
      await mount()
      expect((await h.read('tw-database >>> #bk-h + dl dd'))[0]?.text).toBe('no good backup found')
    })

    it('when the server says the probe is stale, a row measured recently is greyed as well', async () => {
      const recent = new Date(Date.now() - 5_000).toISOString()
      await h.reply(DATABASE, { status: 200, body: databaseAnswer({ stale: true, measuredAt: recent, tables: [table('users', { measuredAt: recent })] }) })
      await mount()
      const [row] = await h.read('tw-database >>> tbody tw-age >>> time')
      expect(row?.text).toMatch(/^\d+ s ago$/)
      expect(row?.attrs.class).toBe('stale')
    })

    it('shows each table\'s change over 1 h, 24 h and 7 d, marks a drop, and sorts by any column', async () => {
      const trends = {
        measuredAt: new Date().toISOString(),
        dropRule: { pct: 10, rows: null, window: '1h' },
        tables: {
          users: { changes: { '1h': -5, '24h': -3, '7d': null }, drop: { from: 25, to: 20, rows: 5, pct: 20, fromAt: new Date().toISOString() } },
          games: { changes: { '1h': 2, '24h': 40, '7d': 300 }, drop: null },
        },
      }
      await h.reply(DATABASE, { status: 200, body: databaseAnswer({ tables: [table('users', { watched: true, rows: 20 }), table('games', { rows: 4321 })] }) })
      await mount(trends)
      const cells = await texts('tw-database >>> tbody tr td')
      expect(cells.slice(3, 6)).toEqual(['−5', '−3', '—'])
      expect(cells.slice(11, 14)).toEqual(['+2', '+40', '+300'])
      expect(await texts('tw-database >>> .drop')).toEqual(['−20 % drop'])
      expect((await texts('tw-database >>> .banner.warn'))[0]).toContain('Rows lost within 1h: users 25 → 20 (−20 %)')
      // 7 d ascending: the unknown change goes last, whichever the direction.
      await h.page.locator('tw-database th button.sort[data-key="c7d"]').click()
      await h.page.locator('tw-database th button.sort[data-key="c7d"]').click()
      expect((await texts('tw-database >>> tbody tr td.name')).map((t) => t.slice(0, 5))).toEqual(['games', 'users'])
      await h.page.locator('tw-database th button.sort[data-key="name"]').click()
      expect((await texts('tw-database >>> tbody tr td.name')).map((t) => t.slice(0, 5))).toEqual(['games', 'users'])
      expect((await h.read('tw-database >>> th[aria-sort="ascending"]')).map((x) => x.text)).toEqual(['Table ▲'])
      await h.page.locator('tw-database th button.sort[data-key="name"]').click()
      expect((await texts('tw-database >>> tbody tr td.name')).map((t) => t.slice(0, 5))).toEqual(['users', 'games'])
    })
  })
}
