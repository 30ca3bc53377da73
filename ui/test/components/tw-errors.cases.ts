import { describe, expect, it } from 'vitest'
import { errorsAnswer, group } from './fixtures.js'
import type { Harness } from './page.js'

const ERRORS = 'GET /logs/api/errors'
const BAD_REGEX = { statusCode: 400, error: 'Bad Request', message: 'invalid regex in q: missing ): (unclosed', field: 'q' }

export function twErrors (h: Harness): void {
  describe('tw-errors', () => {
    const texts = async (path: string) => (await h.read(path)).map((f) => f.text)
    const search = async (text: string) => {
      await h.page.locator('tw-errors input#q').fill(text)
      await h.page.locator('tw-errors form[role=search] button[type=submit]').click()
      await h.settle()
    }
    const params = async () => (await h.requests()).map((r) => Object.fromEntries(new URL(r.url, 'http://x').searchParams))

    it('a normal answer renders one row per group, each with its severity and count', async () => {
      await h.reply(ERRORS, { status: 200, body: errorsAnswer([group('fpA', 'critical', 12_345), group('fpB', 'high', 7), group('fpC', 'medium', 1)]) })
      await h.mount('tw-errors', {}, { view: 'errors', range: '6h', minSeverity: 'medium' })
      expect(await params()).toEqual([{ range: '6h', minSeverity: 'medium' }])
      expect(await h.read('tw-errors >>> tw-error-group')).toHaveLength(3)
      expect(await texts('tw-errors >>> tw-error-group .sev')).toEqual(['critical', 'high', 'medium'])
      expect(await texts('tw-errors >>> tw-error-group .count')).toEqual(['12,345 occurrences', '7 occurrences', '1 occurrence'])
      expect(await texts('tw-errors >>> tw-error-group button.toggle')).toEqual([
        'fpA: upstream request failed after <duration>service=scheduling',
        'fpB: upstream request failed after <duration>service=scheduling',
        'fpC: upstream request failed after <duration>service=scheduling',
      ])
      expect(await texts('tw-errors >>> #groups-h')).toEqual(['Grouped errors (3)'])
      const [qError] = await h.read('tw-errors >>> #q-error')
      expect(qError?.attrs).toHaveProperty('hidden')
      expect((await h.read('tw-errors >>> input#q'))[0]?.attrs['aria-invalid']).toBe('false')
    })

    it('a 400 for field q shows the server\'s message inline next to the search box, not as a toast, and drops the old groups', async () => {
      await h.reply(ERRORS,
        { status: 200, body: errorsAnswer([group('fpA', 'critical', 3), group('fpB', 'high', 2)]) },
        { status: 400, body: BAD_REGEX },
        { status: 200, body: errorsAnswer([group('fpT', 'high', 9)]) })
      await h.mount('tw-errors', {}, { view: 'errors' })
      expect(await h.read('tw-errors >>> tw-error-group')).toHaveLength(2)

      await search('/(unclosed/')
      expect((await params())[1]).toEqual({ range: '1h', minSeverity: 'high', q: '/(unclosed/' })
      // Inline: in the search field's own block, tied to the input, announced.
      const [msg] = await h.read('tw-errors >>> form[role=search] .search #q-error')
      expect(msg?.text).toBe(BAD_REGEX.message)
      expect(msg?.attrs).not.toHaveProperty('hidden')
      expect(msg?.attrs.role).toBe('alert')
      const [input] = await h.read('tw-errors >>> .search input#q')
      expect(input?.attrs['aria-invalid']).toBe('true')
      expect(input?.attrs['aria-describedby']).toBe('q-error')
      // Not a toast, not a banner: the message is said once, where the mistake is.
      expect(await h.read('tw-toast')).toEqual([])
      expect(await h.read('tw-errors >>> .banner')).toEqual([])
      expect(await texts('tw-errors >>> [role=alert]')).toEqual([BAD_REGEX.message])
      // The previous search's groups must not look like this search's results.
      expect(await h.read('tw-errors >>> tw-error-group')).toEqual([])
      expect(await h.read('tw-errors >>> #groups-h')).toEqual([])
      expect(await texts('tw-errors >>> p.empty')).toEqual(['No results: the request was refused (see above).'])

      // Fixing the search clears the message and shows the new answer.
      await search('timeout')
      expect((await params())[2]).toEqual({ range: '1h', minSeverity: 'high', q: 'timeout' })
      expect((await h.read('tw-errors >>> #q-error'))[0]?.attrs).toHaveProperty('hidden')
      expect((await h.read('tw-errors >>> input#q'))[0]?.attrs['aria-invalid']).toBe('false')
      expect(await texts('tw-errors >>> tw-error-group .sev')).toEqual(['high'])
    })

    it('any other failure is a banner, not a search-box message; a failed refresh of the same search keeps its groups', async () => {
      await h.reply(ERRORS,
        { status: 200, body: errorsAnswer([group('fpA', 'critical', 3)]) },
        { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: 'Loki did not answer' } })
      await h.mount('tw-errors', {}, { view: 'errors', q: 'timeout' })
      await search('timeout')
      expect(await h.requests()).toHaveLength(2)
      expect(await texts('tw-errors >>> .banner.danger')).toEqual(['Could not load errors: Loki did not answer'])
      expect((await h.read('tw-errors >>> #q-error'))[0]?.attrs).toHaveProperty('hidden')
      expect((await h.read('tw-errors >>> input#q'))[0]?.attrs['aria-invalid']).toBe('false')
      expect(await texts('tw-errors >>> tw-error-group .sev')).toEqual(['critical'])
    })
  })
}
