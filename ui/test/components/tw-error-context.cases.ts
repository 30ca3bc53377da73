import { describe, expect, it } from 'vitest'
import { errorsAnswer, group } from './fixtures.js'
import type { Harness } from './page.js'

const T = Date.parse('2026-12-02T10:00:00Z')
const ns = (ms: number) => `${ms}000000`
const sample = { ts: new Date(T).toISOString(), tsNs: ns(T), lineHash: '0123456789abcdef', line: 'session save failed', labels: { job: 'tovplay/api', pod: 'api-1' } }
const EXPLORE = 'https://grafana.example.com/explore?schemaVersion=1&orgId=1&panes=%7B%7D'
const raw = (o: Record<string, unknown>) => JSON.stringify(o)
const line = (ms: number, text: string, patch: Record<string, unknown> = {}) => ({ tsNs: ns(ms), ts: new Date(ms).toISOString(), line: text, ...patch })
const CONTEXT = {
  source: 'loki',
  stream: sample.labels,
  match: 'exact',
  sampleIndex: 2,
  moreBefore: true,
  moreAfter: false,
  exploreUrl: EXPLORE,
  lines: [
    line(T - 2000, 'GET /health 200 <img src=x onerror="window.pwned=1">'),
    line(T - 1000, raw({ level: 30, msg: 'request started', reqId: 'req-7' }), { fields: { level: 'info', msg: 'request started', reqId: 'req-7' }, requestId: 'req-7', auditUrl: '/logs/api/scheduling/audit?requestId=req-7' }),
    line(T, raw({ level: 50, msg: 'session save failed', reqId: 'req-7', err: { type: 'KeyError', stack: "KeyError: 'player_7'\n    at save (app.js:3)" } }), { sample: true, fields: { level: 'error', msg: 'session save failed', err: "KeyError: 'player_7'\n    at save (app.js:3)", reqId: 'req-7' }, requestId: 'req-7', auditUrl: '/logs/api/scheduling/audit?requestId=req-7' }),
    line(T + 1000, 'Traceback continues x-request-id: abc-1', { requestId: 'abc-1', auditUrl: '/logs/api/scheduling/audit?requestId=abc-1' }),
  ],
}
const AUDIT = { measuredAt: new Date(T).toISOString(), items: [{ id: '9', at: new Date(T).toISOString(), actor: 'player:p1', action: 'session.cancel', entity: 'sessions', entityId: 's-1', requestId: 'req-7', before: null, after: null }], page: { limit: 50, offset: 0, nextOffset: null } }

async function openContext (h: Harness) {
  await h.reply('GET /logs/api/errors', { status: 200, body: errorsAnswer([group('fpOne', 'high', 3, { samples: [sample], exploreUrl: EXPLORE })]) })
  await h.reply('GET /logs/api/errors/context', { status: 200, body: CONTEXT })
  await h.mount('tw-errors', {}, { view: 'errors', group: 'fpOne' })
  await h.page.locator('tw-errors tw-error-group button.context').first().click()
  await h.settle()
}

export function twErrorContext (h: Harness): void {
  describe('tw-error-context', () => {
    it('opens from a sample: asks for its lines, highlights and focuses the sample, shows JSON by its fields with the raw line one click away', async () => {
      await openContext(h)
      const asked = (await h.requests()).filter((r) => r.url.includes('/errors/context'))
      expect(asked).toHaveLength(1)
      const q = new URL(asked[0]?.url as string, 'http://x').searchParams
      expect(JSON.parse(q.get('labels') as string)).toEqual(sample.labels)
      expect([q.get('tsNs'), q.get('lineHash'), q.get('before'), q.get('after')]).toEqual([sample.tsNs, sample.lineHash, '20', '20'])

      expect((await h.read('tw-errors >>> tw-error-context >>> dialog'))[0]?.attrs.open).toBe('')
      const items = await h.read('tw-errors >>> tw-error-context >>> li.line')
      expect(items).toHaveLength(4)
      expect(items.map((i) => i.attrs['aria-current'])).toEqual([undefined, undefined, 'true', undefined])
      expect(items[2]?.attrs.class).toContain('sample')
      expect(items[2]?.text).toContain('▶ Sample')
      // Focus is on the sample, so a screen reader starts there.
      expect((await h.read('tw-errors >>> tw-error-context >>> li:focus'))[0]?.attrs['aria-current']).toBe('true')
      // JSON: level, message and error shown; the raw JSON only inside a closed <details>.
      expect((await h.read('tw-errors >>> tw-error-context >>> li.sample .sev'))[0]?.text).toBe('error')
      expect((await h.read('tw-errors >>> tw-error-context >>> li.sample pre.err'))[0]?.text).toContain("KeyError: 'player_7'")
      const details = await h.read('tw-errors >>> tw-error-context >>> li.sample details')
      expect(details[0]?.attrs.open).toBeUndefined()
      await h.page.locator('tw-errors tw-error-context li.sample details summary').click()
      expect((await h.read('tw-errors >>> tw-error-context >>> li.sample details'))[0]?.attrs.open).toBe('')
      expect((await h.read('tw-errors >>> tw-error-context >>> li.sample details pre'))[0]?.text).toContain('"msg":"session save failed"')
      // A text line is shown as text: markup stays text.
      expect(items[0]?.text).toContain('<img src=x onerror="window.pwned=1">')
      expect(await h.read('tw-errors >>> tw-error-context >>> img')).toEqual([])
      expect(await h.call('pwned')).toBeUndefined()
      // Edges and Explore.
      expect((await h.read('tw-errors >>> tw-error-context >>> .edge')).map((e) => e.text)).toEqual(['Earlier lines exist: choose more lines each side to see them.', 'No later lines within an hour of the sample.'])
      expect((await h.read('tw-errors >>> tw-error-context >>> header a'))[0]?.attrs.href).toBe(EXPLORE)
      expect((await h.read('tw-errors >>> tw-error-group .explore a'))[0]?.attrs.href).toBe(EXPLORE)
      if (process.env.TW_SCREENSHOTS !== undefined) await h.page.screenshot({ path: `${process.env.TW_SCREENSHOTS}/error-context.png` })
    })

    it('a request id opens its audit entries inline (admins), says when the role is missing, and Escape returns focus to the opener', async () => {
      await h.reply('GET /logs/api/scheduling/audit', { status: 200, body: AUDIT })
      await openContext(h)
      await h.page.locator('tw-errors tw-error-context li.sample button.link').click()
      await h.settle()
      const audit = await h.read('tw-errors >>> tw-error-context >>> li.sample .audit td')
      expect(audit.map((c) => c.text)).toEqual([expect.any(String), 'player:p1', 'session.cancel', 'sessions s-1'])
      expect((await h.read('tw-errors >>> tw-error-context >>> li.sample .audit a'))[0]?.attrs.href).toBe('/logs/api/scheduling/audit?requestId=req-7')
      expect((await h.read('tw-errors >>> tw-error-context >>> li.sample button.link'))[0]?.attrs['aria-expanded']).toBe('true')
      // Only under the line whose button was pressed, though the line before names the same request.
      expect(await h.read('tw-errors >>> tw-error-context >>> li.line:nth-child(2) .audit')).toEqual([])
      const asked = (await h.requests()).filter((r) => r.url.includes('/scheduling/audit'))
      expect(new URL(asked[0]?.url as string, 'http://x').searchParams.get('requestId')).toBe('req-7')

      await h.reply('GET /logs/api/scheduling/audit', { status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'This action needs the admin role.' } })
      await h.page.locator('tw-errors tw-error-context li.line').nth(3).locator('button.link').click()
      await h.settle()
      expect((await h.read('tw-errors >>> tw-error-context >>> li.line:nth-child(4) .audit'))[0]?.text).toBe('The audit entries need the admin role.')

      if (process.env.TW_SCREENSHOTS !== undefined) {
        await h.page.setViewportSize({ width: 360, height: 740 })
        await h.settle()
        await h.page.screenshot({ path: `${process.env.TW_SCREENSHOTS}/error-context-narrow.png` })
      }
      await h.page.keyboard.press('Escape')
      await h.settle()
      expect(await h.read('tw-errors >>> tw-error-context')).toEqual([])
      expect((await h.read('tw-errors >>> tw-error-group button.context:focus'))).toHaveLength(1)
    })

    it('says why when the lines cannot be had (404)', async () => {
      await h.reply('GET /logs/api/errors', { status: 200, body: errorsAnswer([group('fpOne', 'high', 3, { samples: [sample] })]) })
      await h.reply('GET /logs/api/errors/context', { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'no line of this stream at 2026-12-02T10:00:00.000Z: the sample is no longer there' } })
      await h.mount('tw-errors', {}, { view: 'errors', group: 'fpOne' })
      await h.page.locator('tw-errors tw-error-group button.context').first().click()
      await h.settle()
      expect((await h.read('tw-errors >>> tw-error-context >>> [role=alert]'))[0]?.text).toContain('the sample is no longer there')
      expect((await h.read('tw-errors >>> tw-error-group .explore'))).toEqual([])
    })
  })
}
