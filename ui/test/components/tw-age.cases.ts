import { describe, expect, it } from 'vitest'
import type { Harness } from './page.js'

export function twAge (h: Harness): void {
  describe('tw-age', () => {
    const time = async () => {
      const [t] = await h.read('tw-age >>> time')
      expect(t).toBeDefined()
      return t!
    }

    it('a fresh timestamp shows its age and is not stale', async () => {
      const at = await h.call('ago', 5)
      await h.mount('tw-age', { at, staleAfter: 60 })
      const t = await time()
      expect(t.text).toMatch(/^measured [56] s ago$/)
      expect(t.attrs.datetime).toBe(at)
      expect(t.attrs.class ?? '').not.toContain('stale')
    })

    it('a timestamp past its stale limit is marked stale, and minutes read as minutes', async () => {
      await h.mount('tw-age', { at: await h.call('ago', 10 * 60 + 5), staleAfter: 60 })
      const t = await time()
      expect(t.text).toBe('measured 10 min ago')
      expect(t.attrs.class).toBe('stale')
      // The stale mark is said, not only greyed: " · stale" comes from the stylesheet.
      expect(await h.call('style', 'tw-age >>> time', 'content', '::after')).toBe('" · stale"')
    })

    it('ticks: a value crossing its limit while on screen turns stale without a re-render from outside', async () => {
      await h.mount('tw-age', { at: await h.call('ago', 59.2), staleAfter: 60 })
      expect((await time()).attrs.class ?? '').not.toContain('stale')
      await h.page.waitForFunction(() => (globalThis as unknown as { twTest: { read: (p: string) => Array<{ attrs: Record<string, string> }> } }).twTest.read('tw-age >>> time')[0]?.attrs.class === 'stale', undefined, { timeout: 3000 })
      expect((await time()).text).toMatch(/^measured 1 min ago$/)
    })

    it('the server\'s stale verdict wins over a fresh age; no time at all reads "never" and is stale', async () => {
      await h.mount('tw-age', { at: await h.call('ago', 2), staleAfter: 60, stale: true, label: 'updated' })
      const t = await time()
      expect(t.text).toMatch(/^updated [23] s ago$/)
      expect(t.attrs.class).toBe('stale')
      await h.reset()
      await h.mount('tw-age', { at: null })
      const n = await time()
      expect(n.text).toBe('measured never')
      expect(n.attrs.class).toBe('stale')
    })
  })
}
