import { describe, expect, it } from 'vitest'
import type { GroupLifecycle } from '../../src/types.js'
import { errorsAnswer, group } from './fixtures.js'
import type { Harness } from './page.js'

const ERRORS = 'GET /logs/api/errors'
const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString()
const life = (patch: Partial<GroupLifecycle> = {}): GroupLifecycle => ({ firstSeenEver: ago(30), lastSeenEver: ago(1), new: false, regressed: false, resolved: null, muted: null, audit: [], ...patch })

export function twErrorActions (h: Harness): void {
  describe('error lifecycle in the feed (badges, tw-error-actions, muted switch)', () => {
    it('shows new, regressed, resolved and muted badges with who and when', async () => {
      const groups = [
        group('fpNew', 'critical', 3, { lifecycle: life({ new: true }) }),
        group('fpBack', 'high', 2, { lifecycle: life({ regressed: true }) }),
        group('fpDone', 'high', 1, { lifecycle: life({ resolved: { at: ago(10), by: 'anna' } }) }),
        group('fpQuiet', 'high', 1, { lifecycle: life({ muted: { at: ago(5), by: 'ben', until: null } }) }),
        group('fpPlain', 'high', 1),
      ]
      await h.reply(ERRORS, { status: 200, body: { ...errorsAnswer(groups), muted: { groups: 1, events: 1, shown: true } } })
      await h.mount('tw-errors', {}, { view: 'errors', showMuted: true })
      const badges = async (fp: string) => (await h.read(`tw-errors >>> tw-error-group button[aria-controls=samples-${fp}] .badge`)).map((b) => [b.text, b.attrs.title])
      expect(await badges('fpNew')).toEqual([['new', expect.stringMatching(/^first seen ever /)]])
      expect(await badges('fpBack')).toEqual([['regressed', 'seen again after it was resolved']])
      expect(await badges('fpDone')).toEqual([['resolved', expect.stringMatching(/^resolved by anna /)]])
      expect(await badges('fpQuiet')).toEqual([['muted', expect.stringMatching(/^muted by ben /)]])
      expect(await badges('fpPlain')).toEqual([])
      // The switch is on (muted=show in the URL) and says how many are muted.
      const [sw] = await h.read('tw-errors >>> label.case:has(#show-muted)')
      expect(sw?.text).toBe('Show 1 muted group (1 events)')
    })

    it('resolves and mutes from the expanded group, then reloads; a refusal is shown in the server\'s words', async () => {
      const g = group('0123456789abcdef', 'high', 4, { lifecycle: life({ new: true, audit: [{ at: ago(2), by: 'tovwatch', action: 'regressed', detail: 'seen again at x' }] }) })
      const muted = { ...g, lifecycle: life({ muted: { at: ago(0), by: 'alice', until: ago(-60) } }) }
      await h.reply(ERRORS, { status: 200, body: errorsAnswer([g]) }, { status: 200, body: errorsAnswer([{ ...g, lifecycle: life({ resolved: { at: ago(0), by: 'alice' } }) }]) }, { status: 200, body: { ...errorsAnswer([]), muted: { groups: 1, events: 4, shown: false } } })
      await h.reply('POST /logs/api/errors/groups/0123456789abcdef/resolve', { status: 200, body: { fingerprint: g.fingerprint, template: g.template, severity: 'high', lifecycle: life({ resolved: { at: ago(0), by: 'alice' } }) } })
      await h.reply('POST /logs/api/errors/groups/0123456789abcdef/mute', { status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'This action needs the admin role.' } }, { status: 200, body: { fingerprint: g.fingerprint, template: g.template, severity: 'high', lifecycle: muted.lifecycle } })
      await h.mount('tw-errors', {}, { view: 'errors', group: g.fingerprint })
      const buttons = async () => (await h.read('tw-errors >>> tw-error-actions >>> button')).map((b) => b.text)
      expect(await buttons()).toEqual(['Resolve', 'Mute'])
      expect((await h.read('tw-errors >>> tw-error-actions >>> ol li')).map((l) => l.text)).toEqual([expect.stringMatching(/tovwatch: regressed \(seen again at x\)$/)])

      await h.page.locator('tw-errors tw-error-actions button', { hasText: 'Resolve' }).click()
      await h.settle()
      expect(await buttons()).toEqual(['Reopen', 'Mute'])
      expect((await h.read('tw-errors >>> tw-error-group .badge')).map((b) => b.text)).toEqual(['resolved'])

      // Mute for 7 days: the first answer is a 403, shown; the second mutes and the group leaves the list.
      await h.page.locator('tw-errors tw-error-actions select').selectOption('7d')
      await h.page.locator('tw-errors tw-error-actions button', { hasText: 'Mute' }).click()
      await h.settle()
      expect((await h.read('tw-errors >>> tw-error-actions >>> .error'))[0]?.text).toBe('This action needs the admin role.')
      await h.page.locator('tw-errors tw-error-actions button', { hasText: 'Mute' }).click()
      await h.settle()
      const writes = (await h.requests()).filter((r) => r.method !== 'GET')
      expect(writes.map((r) => [r.method, r.url, r.body, r.headers['x-tovwatch-csrf']])).toEqual([
        ['POST', '/logs/api/errors/groups/0123456789abcdef/resolve', undefined, 'csrf-token-1'],
        ['POST', '/logs/api/errors/groups/0123456789abcdef/mute', { duration: '7d' }, 'csrf-token-1'],
        ['POST', '/logs/api/errors/groups/0123456789abcdef/mute', { duration: '7d' }, 'csrf-token-1'],
      ])
      expect(await h.read('tw-errors >>> tw-error-group')).toEqual([])
      expect((await h.read('tw-errors >>> label.case:has(#show-muted)'))[0]?.text).toBe('Show 1 muted group (4 events)')
      // The switch asks for the muted groups (muted=include).
      await h.reply(ERRORS, { status: 200, body: { ...errorsAnswer([muted]), muted: { groups: 1, events: 4, shown: true } } })
      await h.page.locator('tw-errors #show-muted').check()
      await h.settle()
      const gets = (await h.requests()).filter((r) => r.method === 'GET').map((r) => r.url)
      expect(gets.at(-1)).toMatch(/[?&]muted=include(&|$)/)
      expect((await h.read('tw-errors >>> tw-error-group .badge')).map((b) => b.text)).toEqual([expect.stringMatching(/^muted until /)])
    })
  })
}
