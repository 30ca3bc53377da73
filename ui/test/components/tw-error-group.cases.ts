import { describe, expect, it } from 'vitest'
import { redactSample } from '../../../server/src/errors/group.js'
import { errorsAnswer, group } from './fixtures.js'
import type { Harness } from './page.js'

// Raw log lines as the app wrote them; the server redacts them (redactSample) before they leave.
const RAW = [
  'login failed for player@example.com via postgres://app:hunter2@db:5432/TovPlay',
  'retrying with password=hunter2 Authorization: Bearer abc.def.ghi <img src=x onerror="window.pwned=1">',
]

export function twErrorGroup (h: Harness): void {
  describe('tw-error-group', () => {
    const samples = RAW.map((line, i) => ({ ts: new Date(Date.now() - (i + 1) * 60_000).toISOString(), tsNs: `${Date.now() - (i + 1) * 60_000}000000`, lineHash: '0123456789abcdef', line: redactSample(line), labels: { host: `web-${i}` } }))
    const groups = [group('fpOne', 'critical', 2, { samples }), group('fpTwo', 'high', 5)]

    it('the toggle says whether it is expanded; expanding shows the redacted sample lines as text, collapsing hides them', async () => {
      await h.reply('GET /logs/api/errors', { status: 200, body: errorsAnswer(groups) })
      await h.mount('tw-errors', {}, { view: 'errors' })
      const toggles = async () => (await h.read('tw-errors >>> tw-error-group button.toggle')).map((t) => [t.attrs['aria-expanded'], t.attrs['aria-controls']])
      expect(await toggles()).toEqual([['false', 'samples-fpOne'], ['false', 'samples-fpTwo']])
      expect(await h.read('tw-errors >>> .samples')).toEqual([])

      await h.page.locator('tw-errors tw-error-group button.toggle').first().click()
      await h.settle()
      expect(await toggles()).toEqual([['true', 'samples-fpOne'], ['false', 'samples-fpTwo']])
      const [list] = await h.read('tw-errors >>> tw-error-group #samples-fpOne')
      expect(list?.tag).toBe('ul')
      expect(list?.attrs['aria-label']).toBe('Sample lines')
      const lines = await h.read('tw-errors >>> #samples-fpOne li')
      expect(lines).toHaveLength(2)
      const shown = (await h.read('tw-errors >>> #samples-fpOne li')).map((l) => l.text)
      for (const [i, s] of samples.entries()) {
        const time = (await h.read(`tw-errors >>> #samples-fpOne li:nth-child(${i + 1}) time`))[0]
        expect(time?.attrs.datetime).toBe(s.ts)
        expect(time?.text).toContain(`host=web-${i}`)
        expect(shown[i]?.endsWith(s.line)).toBe(true)
      }
      const all = shown.join('\n')
      expect(all).toContain('<email>')
      expect(all).toContain('postgres://app:***@db')
      expect(all).not.toContain('hunter2')
      expect(all).not.toContain('player@example.com')
      expect(all).not.toContain('abc.def.ghi')
      // Markup in a line is text: no element, nothing ran.
      expect(all).toContain('<img src=x onerror="window.pwned=1">')
      expect(await h.read('tw-errors >>> .samples img')).toEqual([])
      expect(await h.call('pwned')).toBeUndefined()

      // Keyboard: the toggle is a real button; Enter collapses it again.
      await h.page.locator('tw-errors tw-error-group button.toggle').first().press('Enter')
      await h.settle()
      expect(await toggles()).toEqual([['false', 'samples-fpOne'], ['false', 'samples-fpTwo']])
      expect(await h.read('tw-errors >>> .samples')).toEqual([])
    })

    it('a group without samples says so when expanded', async () => {
      await h.reply('GET /logs/api/errors', { status: 200, body: errorsAnswer(groups) })
      await h.mount('tw-errors', {}, { view: 'errors', group: 'fpTwo' })
      expect((await h.read('tw-errors >>> tw-error-group button.toggle')).map((t) => t.attrs['aria-expanded'])).toEqual(['false', 'true'])
      expect((await h.read('tw-errors >>> #samples-fpTwo li')).map((l) => l.text)).toEqual(['No samples kept for this group.'])
    })
  })
}
