import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, buildTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { waitFor, WEBHOOK_TOKEN } from '../alerts/fixtures.js'
import { freePort } from '../alerts/private-services.js'
import { startRealAlertmanager } from '../alerts/real-alertmanager.js'
import { launchChromium, watchPage } from './e2e-helpers.js'
import { ensureUiBuilt } from './ui-build.js'

// Chromium logs every non-2xx fetch; the ones caused on purpose are none here.
// The errors and database parts are off in this test: the Overview's reads of them are 404s.
const EXPECTED = /^console: Failed to load resource: the server responded with a status of 404|^http 404 \/logs\/api\/(errors|database|connections)/

/** The Alerts view against a real Alertmanager: grouping, a filter chip, acknowledging, and a silence created and expired. */
describe.skipIf(!(await have('chromium', 'alertmanager', 'postgres')))('Alerts view end to end (headless Chromium, real Alertmanager)', () => {
  let db: TestDatabase
  let t: TestApp
  let am: Awaited<ReturnType<typeof startRealAlertmanager>>
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let other: Page
  let app: string
  const problems: string[] = []
  const run = Math.random().toString(36).slice(2, 7)
  const target = `TargetDown${run}`
  const disk = `DiskFull${run}`
  const group = (p: Page, name: string) => p.locator('tw-alerts tw-alert-group', { has: p.locator('.value', { hasText: name }) })

  async function login (p: Page) {
    await p.goto(`${app}/logs/login`)
    await p.locator('#token').fill(ADMIN_TOKEN)
    await p.locator('button[type=submit]').click()
    await p.locator('tw-header').waitFor()
  }

  beforeAll(async () => {
    ensureUiBuilt()
    db = await createTestDatabase()
    const port = await freePort()
    am = await startRealAlertmanager(`http://127.0.0.1:${port}/logs/api/alerts/webhook`)
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERTMANAGER_URL: am.url }, { parts: { errors: false, database: false, scheduling: false, web: true } })
    await t.app.listen({ port, host: '127.0.0.1' })
    app = `http://127.0.0.1:${port}`
    const startsAt = new Date(Date.now() - 26 * 60_000).toISOString()
    await am.post([
      ...['db1', 'db2', 'web1'].map((instance) => ({ labels: { alertname: target, severity: 'warning', job: 'tovplay', cluster: 'web', instance }, annotations: { summary: `${instance} is down`, description: 'Prometheus cannot scrape it.', runbook_url: 'https://runbooks.example/target-down' }, startsAt, generatorURL: 'http://user:secret@prometheus:9090/graph?g0.expr=up' })),
      { labels: { alertname: disk, severity: 'critical', job: 'node', cluster: 'storage', instance: 'db1' }, annotations: { summary: 'disk 97% full' }, startsAt },
    ])
    await waitFor(async () => Number((await t.deps.pg.store.query("SELECT count(*) AS n FROM tw_alerts WHERE status = 'firing' AND source = 'alertmanager'")).rows[0].n) === 4, 20_000, 'the alerts to reach TovWatch')
    browser = await launchChromium()
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    ctx.setDefaultTimeout(8000)
    page = await ctx.newPage()
    watchPage(page, problems)
    await login(page)
    other = await ctx.newPage()
    watchPage(other, problems)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await t?.close()
    await am?.stop()
    await db?.drop()
  })

  it('groups by alertname: count, severity as sent, shared labels; expands to what differs; the grouping is in the URL', async () => {
    await page.goto(`${app}/logs/#/alerts`)
    const g = group(page, target)
    await g.waitFor({ timeout: 10_000 })
    expect(await g.locator('.count').first().textContent()).toBe('3')
    expect(await g.locator('.head .sev').textContent()).toBe('warning')
    expect(await g.locator('.shared .label').allTextContents()).toEqual(expect.arrayContaining(['job=tovplay', 'severity=warning']))
    expect((await g.locator('tw-alert-card .chips .label').allTextContents()).sort()).toEqual(['instance=db1', 'instance=db2', 'instance=web1'])
    const card = g.locator('tw-alert-card').first()
    expect(await card.locator('tw-since time').textContent()).toMatch(/^for 2[67] min$/)
    expect(await card.locator('tw-since time').getAttribute('title')).toMatch(/^started /)
    expect(await card.locator('a', { hasText: 'Runbook' }).getAttribute('href')).toBe('https://runbooks.example/target-down')
    const source = await card.locator('a', { hasText: 'Source' }).getAttribute('href')
    expect(source).toContain('prometheus:9090/graph')
    expect(source).not.toContain('secret')
    expect(await card.locator('.desc').textContent()).toBe('Prometheus cannot scrape it.')

    // Collapsed, remembered across a reload.
    await g.locator('button.toggle').click()
    expect(await g.locator('tw-alert-card').count()).toBe(0)
    await page.reload()
    await group(page, target).waitFor()
    expect(await group(page, target).locator('button.toggle').getAttribute('aria-expanded')).toBe('false')
    await group(page, target).locator('button.toggle').click()

    await page.locator('tw-alerts #group-by').selectOption('instance')
    await page.waitForURL(/by=instance/)
    await expect.poll(() => group(page, 'db1').locator('.count').first().textContent()).toBe('2')
    await page.locator('tw-alerts #group-by').selectOption('alertname')
  })

  it('filters with a matcher chip (in the URL), free text, and says what is wrong with a bad matcher', async () => {
    const input = page.locator('tw-alert-filter input')
    await input.fill('instance=~"db.*"')
    await input.press('Enter')
    await page.locator('tw-alert-filter .chip', { hasText: 'instance=~"db.*"' }).waitFor()
    expect(decodeURIComponent(page.url())).toContain('f=instance=~"db.*"')
    await expect.poll(() => group(page, target).locator('.count').first().textContent()).toBe('2')
    await input.fill('instance=="x"')
    await input.press('Enter')
    expect(await page.locator('tw-alert-filter .err').textContent()).toMatch(/unknown operator "=="/)
    const before = await page.evaluate<number>('history.length')
    await input.fill('')
    await input.pressSequentially('97%', { delay: 20 })
    await expect.poll(() => page.locator('tw-alerts tw-alert-group').count()).toBe(1)
    // Clearing and three keystrokes are one history entry: Back returns to the state before typing.
    expect(await page.evaluate<number>('history.length')).toBe(before + 1)
    await input.fill('')
    await page.locator('tw-alert-filter .chip button').click()
    await expect.poll(() => group(page, target).locator('.count').first().textContent()).toBe('3')
  })

  it('acknowledges (header "4 firing · 1 acked"), hides acknowledged alerts on demand, and un-acknowledges', async () => {
    const card = group(page, disk).locator('tw-alert-card')
    await card.locator('button.do-ack').click()
    await card.locator('input[name=note]').fill('on it')
    await card.locator('select[name=for]').selectOption({ label: 'for 1 h' })
    await card.locator('button[type=submit]').click()
    await card.locator('p.ack', { hasText: 'on it' }).waitFor()
    await expect.poll(() => page.locator('tw-header a.alerts').textContent()).toMatch(/4 firing · 1 acked/)
    await page.locator('tw-alerts #hide-acked').check()
    await expect.poll(() => group(page, disk).count()).toBe(0)
    expect(await page.locator('tw-alerts h2').textContent()).toContain('1 acknowledged hidden')
    await page.locator('tw-alerts #hide-acked').uncheck()
    await group(page, disk).locator('button.do-unack').click()
    await expect.poll(() => page.locator('tw-header a.alerts').textContent()).not.toContain('acked')
  })

  it('creates a silence from a group (pre-filled, with how many it would match); every open page hides the alert within 2 s; expiring it brings it back', async () => {
    await other.goto(`${app}/logs/#/alerts`)
    await group(other, disk).waitFor({ timeout: 10_000 })
    await group(page, disk).locator('button.do-silence-group').click()
    const form = page.locator('tw-silence-form')
    expect(await form.locator('textarea').inputValue()).toContain(`alertname="${disk}"`)
    expect(await form.locator('.reach').textContent()).toContain('Would silence 1 of 4 firing alerts')
    await form.locator('input[name=comment]').fill('replacing the disk')
    const started = Date.now()
    await form.locator('button[type=submit]').click()
    await page.locator('tw-alerts .banner.ok', { hasText: 'mutes 1 of 4' }).waitFor({ timeout: 5000 })
    await Promise.all([page, other].map((p) => expect.poll(() => group(p, disk).count(), { timeout: 2000 }).toBe(0)))
    expect(Date.now() - started).toBeLessThan(2500)
    expect(await other.locator('tw-alerts h2').textContent()).toContain('1 silenced or inhibited hidden')
    expect((await am.silences()).filter((s) => s.status.state === 'active').map((s) => s.createdBy)).toEqual(['admin'])

    await page.locator('tw-alerts #show-muted').check()
    await group(page, disk).locator('.mark', { hasText: 'silenced' }).waitFor()
    await page.locator('tw-alerts #show-muted').uncheck()

    const row = page.locator('tw-silences li', { hasText: 'replacing the disk' })
    await row.locator('button.do-expire').click()
    await Promise.all([page, other].map((p) => expect.poll(() => group(p, disk).count(), { timeout: 5000 }).toBe(1)))
    expect((await am.silences()).every((s) => s.status.state === 'expired')).toBe(true)
  }, 60_000)

  it('the resolved view lists resolved alerts under "Resolved", and the counts agree', async () => {
    await am.post([{ labels: { alertname: target, severity: 'warning', job: 'tovplay', cluster: 'web', instance: 'web1' }, annotations: { summary: 'web1 is down' }, startsAt: new Date(Date.now() - 26 * 60_000).toISOString(), endsAt: new Date(Date.now() - 1000).toISOString(), generatorURL: 'http://user:secret@prometheus:9090/graph?g0.expr=up' }])
    await expect.poll(() => page.locator('tw-header a.alerts').textContent(), { timeout: 10_000 }).toMatch(/^3 firing/)
    expect(await page.locator('#tab-alerts .count').textContent()).toBe('3')
    expect(await page.locator('tw-alerts #alerts-count').textContent()).toBe('(3 firing · 1 resolved)')
    await page.locator('tw-alerts select[aria-label=Show]').selectOption('resolved')
    await page.waitForURL(/alerts=resolved/)
    expect(await page.locator('tw-alerts h2').textContent()).toMatch(/^Resolved \(1\)/)
    // One alert: every label is shared, so the group shows them all.
    expect(await group(page, target).locator('.shared .label').allTextContents()).toContain('instance=web1')
    expect(await group(page, target).locator('tw-alert-card .status').textContent()).toBe('resolved')
    await page.locator('tw-alerts select[aria-label=Show]').selectOption('all')
  }, 20_000)

  it('screenshot of the grouped Alerts view, and no console errors or CSP violations', async () => {
    const dir = path.resolve('screenshots')
    fs.mkdirSync(dir, { recursive: true })
    await page.goto(`${app}/logs/#/alerts`)
    await group(page, target).waitFor()
    await page.screenshot({ path: path.join(dir, 'alerts-grouped.png'), fullPage: true })
    expect(problems.filter((p) => !EXPECTED.test(p))).toEqual([])
  })
})
