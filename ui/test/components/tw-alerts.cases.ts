import { beforeEach, describe, expect, it } from 'vitest'
import type { Alert } from '../../src/types.js'
import { alert } from '../fixtures.js'
import type { Harness } from './page.js'

export function twAlerts (h: Harness): void {
  describe('tw-alerts', () => {
    const texts = async (path: string) => (await h.read(path)).map((f) => f.text)
    const resolved = (id: string, endsAt: string, patch: Partial<Alert> = {}) => alert(id, { status: 'resolved', endsAt, updatedAt: endsAt, ...patch })
    const HISTORY = 'GET /logs/api/alerts'
    const history = (alerts: Alert[]) => ({ status: 200, body: { measuredAt: new Date().toISOString(), lastEventId: '0', alerts, nextCursor: null } })
    // The view reads the resolved history once it opens (the stream's snapshot holds firing alerts only).
    const SILENCES = { status: 200, body: { available: false, message: 'Silences need Alertmanager: set ALERTMANAGER_URL.', measuredAt: new Date().toISOString(), silences: [] } }
    beforeEach(async () => { await h.reply(HISTORY, history([])); await h.reply('GET /logs/api/silences', SILENCES) })

    const CARD = 'tw-alerts >>> tw-alert-group >>> tw-alert-card >>> '
    const names = async () => texts(`${CARD}.name`)

    it('shows the resolved history from GET /api/alerts next to the live firing alerts, the stream winning where both know an alert', async () => {
      await h.call('alerts', [alert('f1', { updatedAt: '2026-11-22T12:00:00Z' })])
      await h.reply(HISTORY, history([
        resolved('old1', '2026-11-21T10:00:00Z'),
        resolved('f1', '2026-11-22T09:00:00Z'), // older than what the stream says: ignored
      ]))
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      await h.settle()
      expect((await h.requests()).map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['GET /logs/api/alerts?state=resolved&limit=200']))
      expect(await names()).toEqual(['Alertf1', 'Alertold1'])
      expect(await texts(`${CARD}.status`)).toEqual(['firing', 'resolved'])
      expect(await texts('tw-alerts >>> #alerts-count')).toEqual(['(1 firing · 1 resolved)'])
    })

    it('says so when the history cannot be read, and still lists the live alerts', async () => {
      await h.call('alerts', [alert('f1')])
      await h.reply(HISTORY, { status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: 'The alert store is unavailable right now.' } })
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      await h.settle()
      expect(await texts('tw-alerts >>> .banner.warn[role=status]')).toEqual([expect.stringContaining('Older resolved alerts could not be loaded: The alert store is unavailable right now.')])
      expect(await names()).toEqual(['Alertf1'])
    })

    it('groups with firing alerts come first (worst severity first, then the newest), then resolved ones (latest first)', async () => {
      // Given in an order that is wrong on purpose.
      await h.call('alerts', [
        resolved('r1', '2026-11-22T11:00:00Z', { severity: 'critical' }),
        alert('f-low', { severity: 'low' }),
        resolved('r2', '2026-11-22T12:00:00Z'),
        alert('f-crit-old', { severity: 'critical', startsAt: '2026-11-22T08:00:00Z' }),
        alert('f-crit-new', { severity: 'critical', startsAt: '2026-11-22T09:00:00Z' }),
      ])
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      expect(await names()).toEqual(['Alertf-crit-new', 'Alertf-crit-old', 'Alertf-low', 'Alertr2', 'Alertr1'])
      expect(await texts('tw-alerts >>> #alerts-h')).toEqual([expect.stringMatching(/^Alerts \(3 firing · 2 resolved\)/)])
    })

    it('groups by alertname: count, worst severity as sent, shared labels on the group, differing labels on each alert', async () => {
      const td = (id: string, instance: string, severity: string) => alert(id, { alertname: 'TargetDown', severity: severity === 'critical' ? 'critical' : 'medium', labels: { alertname: 'TargetDown', job: 'api', severity, instance } })
      await h.call('alerts', [td('1', 'a', 'warning'), td('2', 'b', 'critical'), td('3', 'c', 'warning'), alert('x')])
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      const g = 'tw-alerts >>> tw-alert-group:first-child >>> '
      expect(await texts(`${g}.value`)).toEqual(['TargetDown'])
      expect(await texts(`${g}.count`)).toEqual(['3'])
      expect(await texts(`${g}.head .sev`)).toEqual(['critical'])
      expect(await texts(`${g}.shared .label`)).toEqual(['job=api'])
      expect(await texts(`${g}tw-alert-card >>> .chips .label`)).toEqual(['severity=critical', 'instance=b', 'severity=warning', 'instance=a', 'severity=warning', 'instance=c'])
      expect(await texts(`${g}tw-alert-card >>> .top .sev`)).toEqual(['critical', 'warning', 'warning'])
    })

    it('the resolved view lists resolved alerts under "Resolved"', async () => {
      await h.call('alerts', [alert('f1'), resolved('r1', '2026-11-22T11:00:00Z')])
      await h.mount('tw-alerts', {}, { view: 'alerts', alertState: 'resolved' })
      await h.settle()
      expect(await texts('tw-alerts >>> #alerts-h')).toEqual([expect.stringMatching(/^Resolved \(1\)/)])
      expect(await names()).toEqual(['Alertr1'])
      // Without ALERTMANAGER_URL the view says what silences need; nothing fails.
      expect(await texts('tw-alerts >>> tw-silences >>> .banner')).toEqual([expect.stringContaining('set ALERTMANAGER_URL')])
    })

    it('a linked alert (#/alerts?alert=<id>) is selected and shown even beyond the first page; an unknown one says so', async () => {
      const many = Array.from({ length: 130 }, (_, i) => resolved(`r${i}`, new Date(Date.UTC(2026, 10, 22, 12) - i * 60_000).toISOString()))
      await h.call('alerts', [alert('f1'), ...many])
      await h.mount('tw-alerts', {}, { view: 'alerts', alert: 'r125' })
      const selected = await h.read('tw-alerts >>> tw-alert-group >>> li.selected')
      expect(selected).toHaveLength(1)
      expect(selected[0]?.attrs['data-id']).toBe('r125')
      expect(selected[0]?.attrs['aria-current']).toBe('true')
      expect((await h.read('tw-alerts >>> tw-alert-group >>> li[aria-current=true]'))).toHaveLength(1)
      expect(await h.read('tw-alerts >>> .banner.warn[role=status]')).toEqual([])

      // Not in the store nor the history: asked for by id. A resolved one found there is selected...
      await h.reset()
      await h.reply(HISTORY, history([]))
      await h.reply('GET /logs/api/silences', SILENCES)
      await h.call('alerts', [alert('f1')])
      await h.reply('GET /logs/api/alerts/41', { status: 200, body: resolved('41', '2026-11-01T10:00:00Z') })
      await h.mount('tw-alerts', {}, { view: 'alerts', alert: '41' })
      await h.settle()
      expect((await h.read('tw-alerts >>> tw-alert-group >>> li.selected'))[0]?.attrs['data-id']).toBe('41')

      // ...and one that no longer exists says so.
      await h.reset()
      await h.reply(HISTORY, history([]))
      await h.reply('GET /logs/api/silences', SILENCES)
      await h.call('alerts', [alert('f1')])
      await h.reply('GET /logs/api/alerts/42', { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'No alert with id 42' } })
      await h.mount('tw-alerts', {}, { view: 'alerts', alert: '42' })
      await h.settle()
      expect(await h.read('tw-alerts >>> tw-alert-group >>> li.selected')).toEqual([])
      expect(await texts('tw-alerts >>> .banner.warn[role=status]')).toEqual([expect.stringContaining('The linked alert (42) does not exist any more')])
    })

    it('label values, names and summaries with markup render as text: no element is created, nothing runs', async () => {
      const script = '<script>window.pwned = 1</script>'
      const img = '<img src=x onerror="window.pwned=2">'
      await h.call('alerts', [alert('x1', {
        alertname: `Name${img}`,
        labels: { alertname: 'ignored', instance: script, job: img },
        annotations: { summary: `<b>bold</b> ${img}` },
      })])
      const before = h.served.length
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      expect(await texts('tw-alerts >>> tw-alert-group >>> .shared .label')).toEqual([`instance=${script}`, `job=${img}`])
      expect(await names()).toEqual([`Name${img}`])
      expect(await texts(`${CARD}.summary`)).toEqual([`<b>bold</b> ${img}`])
      expect(await h.read('tw-alerts >>> tw-alert-group >>> script, img, b')).toEqual([])
      expect(await h.read(`${CARD}script, img, b`)).toEqual([])
      await h.settle()
      expect(await h.call('pwned')).toBeUndefined()
      // An <img src=x> would have asked the server for /x.
      expect(h.served.slice(before)).toEqual([])
    })

    it('acknowledging posts the note to /api/alerts/<id>/ack and shows who acknowledged it, until it resolves', async () => {
      const id = 'am:fp/1'
      await h.call('alerts', [alert(id, { severity: 'critical' }), alert('other')])
      const acked = alert(id, { severity: 'critical', acknowledged: { by: 'alice', at: new Date().toISOString(), note: 'on it: restarting db1', until: null } })
      await h.reply('POST /logs/api/alerts/am%3Afp%2F1/ack', { status: 200, body: acked })
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      const first = h.page.locator('tw-alerts tw-alert-card').first()
      await first.getByRole('button', { name: 'Acknowledge Alertam:fp/1' }).click()
      await h.settle()
      const note = first.getByRole('textbox', { name: 'Acknowledgement note' })
      // Opening the form puts the focus in the note.
      expect(await note.evaluate((el) => el === (el.getRootNode() as unknown as { activeElement: unknown }).activeElement)).toBe(true)
      await note.fill('  on it: restarting db1  ')
      await note.press('Enter')
      await h.settle()
      const reqs = (await h.requests()).filter((r) => r.method === 'POST')
      expect(reqs.map((r) => ({ method: r.method, url: r.url, body: r.body }))).toEqual([
        { method: 'POST', url: '/logs/api/alerts/am%3Afp%2F1/ack', body: { note: 'on it: restarting db1' } },
      ])
      expect(reqs[0]?.headers['x-tovwatch-csrf']).toBe('csrf-token-1')
      expect(await texts(`${CARD}p.ack`)).toEqual([expect.stringMatching(/^Acknowledged by alice at .+ until it resolves: “on it: restarting db1”$/)])
      expect(await h.read(`${CARD}form`)).toEqual([])
      // It can be taken back; the other alert can still be acknowledged.
      expect(await texts(`${CARD}button`)).toEqual(['Un-acknowledge Alertam:fp/1', 'Acknowledge Alertother'])
    })

    it('a refused acknowledgement keeps the form open and says why', async () => {
      await h.call('alerts', [alert('a1')])
      await h.reply('POST /logs/api/alerts/a1/ack', { status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'missing or wrong CSRF token' } })
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      await h.page.locator('tw-alerts tw-alert-card button.do-ack').first().click()
      await h.page.locator('tw-alerts tw-alert-card input[name=note]').fill('looking')
      await h.page.locator('tw-alerts tw-alert-card button[type=submit]').click()
      await h.settle()
      expect(await texts(`${CARD}[role=alert]`)).toEqual(['missing or wrong CSRF token'])
      expect(await h.read(`${CARD}form`)).toHaveLength(1)
      expect(await h.read(`${CARD}p.ack`)).toEqual([])
    })

    it('an admin silences a group: matchers pre-filled from its shared labels, its reach shown first; a 409 asks to confirm, then ?confirm=true', async () => {
      const td = (id: string, instance: string) => alert(id, { alertname: 'TargetDown', labels: { alertname: 'TargetDown', job: 'api', instance } })
      await h.call('alerts', [td('1', 'a'), td('2', 'b'), alert('x')])
      await h.call('role', 'admin')
      // Answered in turn (the harness keys replies by path, without the query).
      await h.reply('POST /logs/api/silences',
        { status: 409, body: { statusCode: 409, error: 'Conflict', message: 'This silence matches every firing alert (3, from 2 alert rules): nothing would reach you. Narrow the matchers, or send confirm=true to create it anyway.' } },
        { status: 201, body: { id: 'sil-1', matched: 2, firing: 3, warning: null } })
      await h.mount('tw-alerts', {}, { view: 'alerts' })
      await h.page.locator('tw-alerts tw-alert-group').first().locator('button.do-silence-group').click()
      await h.settle()
      const form = h.page.locator('tw-alerts tw-silence-form')
      expect(await form.locator('textarea').inputValue()).toBe('alertname="TargetDown"\njob="api"')
      expect(await form.locator('.reach').textContent()).toBe('Would silence 2 of 3 firing alerts now.')
      await form.locator('textarea').fill('alertname=~"(oops"')
      expect(await form.locator('.err').first().textContent()).toMatch(/regular expression is not valid/)
      await form.locator('textarea').fill('alertname="TargetDown"\njob="api"')
      await form.locator('input[name=comment]').fill('deploy')
      await form.locator('button[type=submit]').click()
      await h.settle()
      expect(await form.locator('[role=alert]').textContent()).toContain('send confirm=true')
      await form.getByRole('button', { name: 'Create it anyway' }).click()
      await h.settle()
      const posts = (await h.requests()).filter((r) => r.method === 'POST')
      expect(posts.map((r) => r.url)).toEqual(['/logs/api/silences', '/logs/api/silences?confirm=true'])
      expect(posts[1]?.body).toMatchObject({ matchers: [{ name: 'alertname', value: 'TargetDown', isRegex: false, isEqual: true }, { name: 'job', value: 'api', isRegex: false, isEqual: true }], comment: 'deploy' })
      expect(await texts('tw-alerts >>> .banner.ok')).toEqual(['Silence sil-1 created: it mutes 2 of 3 firing alerts.'])
      expect(await h.read('tw-alerts >>> tw-silence-form')).toEqual([])
    })
  })
}
