import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmbedToken } from '../../src/auth/embed.js'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { have } from '../helpers/services.js'
import { connectionsWithPools, databaseMissing, errorsIncomplete } from './fixtures.js'
import { horizontalOverflow, launchChromium, seedLogs, startParentServer, watchPage } from './e2e-helpers.js'
import { ensureUiBuilt } from './ui-build.js'

const HOOK_TOKEN = 'hook-token-0123456789abcdef'
// Chromium logs every non-2xx fetch to the console; the responses themselves are checked
// instead, and these are the ones the tests cause on purpose (a wrong token, a bad regex).
const EXPECTED = /^console: Failed to load resource: the server responded with a status of|^http 401 \/logs\/api\/login$|^http 400 \/logs\/api\/errors\?.*q=%2F%28unclosed/

describe.skipIf(!(await have('chromium')))('web UI end to end (headless Chromium)', () => {
  let t: TestApp
  let browser: Browser
  let ctx: BrowserContext
  let page: Page
  let app: string
  let parent: Awaited<ReturnType<typeof startParentServer>>
  const problems: string[] = []

  beforeAll(async () => {
    ensureUiBuilt()
    parent = await startParentServer()
    t = await buildTestApp({ EMBED_ALLOWED_ORIGINS: `http://127.0.0.1:${parent.port}`, ALERT_WEBHOOK_TOKEN: HOOK_TOKEN })
    seedLogs(t.config.dataDir)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    app = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await ctx.newPage()
    watchPage(page, problems)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await t?.close()
    await parent?.close()
  })

  it('requires a login without a token, then returns to the page asked for', async () => {
    const res = await page.goto(`${app}/logs/#/errors`)
    expect(res?.status()).toBe(200)
    expect(new URL(page.url()).pathname).toBe('/logs/login')
    await page.locator('#token').fill('wrong-token-0123456789')
    await page.locator('button[type=submit]').click()
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('not valid')
    await page.locator('#token').fill(VIEWER_TOKEN)
    await page.locator('button[type=submit]').click()
    await page.waitForURL(`${app}/logs/#/errors`)
    await page.locator('tw-header').waitFor()
    expect(await page.locator('#tab-errors').getAttribute('aria-selected')).toBe('true')
    const cookies = await ctx.cookies(`${app}/logs/`)
    expect(cookies.find((c) => c.name === 'tw_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
  })

  it('renders the error groups and the stacked error-rate chart, log lines as text', async () => {
    await page.goto(`${app}/logs/#/errors?range=24h&sev=low`)
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
    expect(await page.locator('tw-error-group').count()).toBeGreaterThanOrEqual(2)
    await page.locator('tw-error-rate-chart canvas').first().waitFor()
    const box = await page.locator('tw-error-rate-chart canvas').first().boundingBox()
    expect(box?.width).toBeGreaterThan(300)
    await expect.poll(() => page.locator('tw-error-group', { hasText: 'onerror' }).count()).toBeGreaterThan(0)
    expect(await page.locator('tw-error-group img').count()).toBe(0)
    // Expanding a group shows its samples and puts the group in the URL.
    await page.locator('tw-error-group button.toggle').first().click()
    await page.locator('tw-error-group ul.samples li').first().waitFor()
    expect(page.url()).toContain('group=')
  })

  it('shows the server\'s message for a bad regex inline, next to the search box, and not the last search\'s groups', async () => {
    await page.goto(`${app}/logs/#/errors?range=1h&sev=low`)
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
    await page.locator('#q').fill('/(unclosed/')
    await page.locator('#q').press('Enter')
    const msg = page.locator('#q-error')
    await msg.waitFor({ state: 'visible' })
    expect((await msg.textContent())?.length).toBeGreaterThan(5)
    expect(await page.locator('#q').getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('#q').getAttribute('aria-describedby')).toBe('q-error')
    expect(page.url()).toContain('q=%2F%28unclosed%2F')
    expect(await page.locator('#q-error').textContent()).toContain('invalid regex')
    // The groups of the search before are gone: they do not answer this one.
    await expect.poll(() => page.locator('tw-error-group').count()).toBe(0)
    expect(await page.locator('tw-errors p.empty').textContent()).toContain('refused')
  })

  it('"Ignore case" sends the text as an escaped /…/i regex, and reads it back from the URL', async () => {
    await page.goto(`${app}/logs/#/errors?range=24h&sev=low`)
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
    await page.locator('#q').fill('PAYMENT PROVIDER TIMEOUT')
    await page.locator('#ignore-case').check()
    await expect.poll(() => new URLSearchParams(new URL(page.url()).hash.split('?')[1]).get('q')).toBe('/PAYMENT PROVIDER TIMEOUT/i')
    // The unfiltered list (slow queries too) gives way to the matches, in lower case.
    await expect.poll(() => page.locator('tw-error-group', { hasText: 'slow query' }).count()).toBe(0)
    expect(await page.locator('tw-error-group', { hasText: 'payment provider timeout' }).count()).toBeGreaterThan(0)
    await page.reload()
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
    expect(await page.locator('#q').inputValue()).toBe('PAYMENT PROVIDER TIMEOUT')
    expect(await page.locator('#ignore-case').isChecked()).toBe(true)
    // A regex carries its own flags: the switch does not apply to it.
    await page.locator('#q').fill('/slow query/')
    expect(await page.locator('#ignore-case').isDisabled()).toBe(true)
  })

  it('shows an Alertmanager webhook posted now within 1 s, without a reload', async () => {
    await page.goto(`${app}/logs/#/alerts`)
    await page.locator('tw-header .stream.open').waitFor({ timeout: 10_000 })
    let navigations = 0
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++ })
    const name = `E2EDiskFull${Date.now()}`
    const started = Date.now()
    const res = await fetch(`${app}/logs/api/alerts/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'tovwatch',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://am',
        alerts: [{ status: 'firing', labels: { alertname: name, severity: 'critical', instance: 'db1' }, annotations: { summary: 'disk 99% full' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: `e2e${started}` }],
      }),
    })
    expect(res.status).toBe(200)
    await page.locator('tw-alerts tw-alert-card', { hasText: name }).waitFor({ timeout: 1000 })
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(1000)
    expect(navigations).toBe(0)
    await page.locator('tw-toast .toast', { hasText: name }).waitFor({ timeout: 1000 })
    expect(Number(await page.locator('tw-header a.alerts').textContent().then((s) => s?.match(/\d+/)?.[0]))).toBeGreaterThanOrEqual(1)
  })

  it('shows "reconnecting…" when the stream drops, then resumes from the last event id', async () => {
    const p = await ctx.newPage()
    watchPage(p, problems)
    const urls: string[] = []
    const routes: WebSocketRoute[] = []
    await p.routeWebSocket(/\/api\/alerts\/stream/, (ws) => {
      urls.push(ws.url())
      routes.push(ws)
      ws.connectToServer()
    })
    await p.goto(`${app}/logs/#/alerts`)
    await p.locator('tw-header .stream.open').waitFor({ timeout: 10_000 })
    await p.locator('tw-alerts tw-alert-card').first().waitFor({ timeout: 10_000 })
    await routes[0]?.close({ code: 4001, reason: 'test drop' })
    await p.locator('tw-header .stream.reconnecting').waitFor({ timeout: 5000 })
    expect(await p.locator('tw-header .stream').textContent()).toContain('Reconnecting')
    await p.locator('tw-header .stream.open').waitFor({ timeout: 5000 })
    expect(urls).toHaveLength(2)
    expect(urls[0]).not.toContain('lastEventId')
    expect(urls[1]).toMatch(/lastEventId=\d+/)
    await p.close()
  })

  it('greys the firing counts and shows their age while the stream is down', async () => {
    const p = await ctx.newPage()
    watchPage(p, problems)
    let refuse = false
    const routes: WebSocketRoute[] = []
    await p.routeWebSocket(/\/api\/alerts\/stream/, (ws) => {
      if (refuse) { ws.close({ code: 4002, reason: 'test: stream down' }); return }
      routes.push(ws)
      ws.connectToServer()
    })
    await p.goto(`${app}/logs/#/overview`)
    await p.locator('tw-header .stream.open').waitFor({ timeout: 10_000 })
    await p.locator('tw-overview section[aria-labelledby=ov-al] tw-age').waitFor()
    expect(await p.locator('tw-header a.alerts').getAttribute('class')).not.toContain('behind')
    expect(await p.locator('tw-header tw-age.stream-age time').textContent()).toMatch(/^updated /)
    refuse = true
    await routes[0]?.close({ code: 4001, reason: 'test drop' })
    await p.locator('tw-header a.alerts.behind').waitFor({ timeout: 5000 })
    const age = p.locator('tw-header tw-age.stream-age time.stale')
    await age.waitFor()
    expect(await age.textContent()).toMatch(/^as of /)
    const card = p.locator('tw-overview section[aria-labelledby=ov-al]')
    expect(await card.locator('[role=status]').textContent()).toContain('may be behind')
    expect(await card.locator('tw-age time').getAttribute('class')).toBe('stale')
    refuse = false
    await p.locator('tw-header .stream.open').waitFor({ timeout: 35_000 })
    await expect.poll(() => p.locator('tw-header a.alerts.behind').count()).toBe(0)
    await p.close()
  }, 60_000)

  it('acknowledges an alert with a note (CSRF header from the session)', async () => {
    // Found by id: once the form opens, the card has no Acknowledge button to be found by.
    const id = await page.locator('tw-alerts tw-alert-group li', { has: page.locator('button.do-ack') }).first().getAttribute('data-id')
    const item = page.locator(`tw-alerts tw-alert-group li[data-id="${id}"] tw-alert-card`)
    await item.locator('button.do-ack').click()
    await item.locator('input[name=note]').fill('looking at it')
    await item.locator('button[type=submit]').click()
    await page.locator('tw-alerts tw-alert-card p.ack', { hasText: 'looking at it' }).first().waitFor({ timeout: 5000 })
  })

  it('loads an embed in an iframe from an allowed origin and refuses it from any other', async () => {
    const token = createEmbedToken(t.app.auth.embedSecret, '*', 600)
    const src = `${app}/logs/embed/alerts?embed_token=${encodeURIComponent(token)}`
    const framePage = await ctx.newPage()
    watchPage(framePage, problems)
    await framePage.goto(`http://127.0.0.1:${parent.port}/frame?src=${encodeURIComponent(src)}`)
    const frame = framePage.frameLocator('#panel')
    await frame.locator('tw-embed tw-alerts h2').first().waitFor({ timeout: 10_000 })

    const evil = await browser.newContext()
    const evilPage = await evil.newPage()
    const blocked: string[] = []
    evilPage.on('console', (m) => { if (m.type() === 'error') blocked.push(m.text()) })
    await evilPage.goto(`http://localhost:${parent.port}/frame?src=${encodeURIComponent(src)}`)
    await evilPage.waitForTimeout(1500)
    const child = evilPage.frames().find((f) => f !== evilPage.mainFrame())
    const rendered = child === undefined ? 0 : await child.locator('tw-embed').count().catch(() => 0)
    expect(rendered).toBe(0)
    expect(blocked.join('\n')).toMatch(/frame-ancestors/)
    await evil.close()
    await framePage.close()
  })

  it('expands and collapses an error group inside the error-groups embed', async () => {
    const token = createEmbedToken(t.app.auth.embedSecret, 'error-groups', 600)
    const p = await ctx.newPage()
    watchPage(p, problems)
    await p.goto(`${app}/logs/embed/error-groups?embed_token=${encodeURIComponent(token)}#/errors?range=24h&sev=low`)
    const toggle = p.locator('tw-embed tw-error-group button.toggle').first()
    await toggle.waitFor({ timeout: 15_000 })
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    await toggle.click()
    await p.locator('tw-embed tw-error-group ul.samples li').first().waitFor({ timeout: 5000 })
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    await toggle.click()
    await expect.poll(() => p.locator('tw-embed tw-error-group ul.samples').count()).toBe(0)
    // The iframe's URL is left alone (Grafana's history is not the panel's).
    expect(new URL(p.url()).hash).toBe('#/errors?range=24h&sev=low')
    await p.close()
  })

  it('says loudly when the database is missing, never shows its row counts, and flags an incomplete error feed', async () => {
    await page.route('**/logs/api/database', (r) => r.fulfill({ json: databaseMissing() }))
    await page.route('**/logs/api/errors?**', (r) => r.fulfill({ json: errorsIncomplete() }))
    await page.route('**/logs/api/connections', (r) => r.fulfill({ json: connectionsWithPools() }))
    try {
      await page.goto(`${app}/logs/#/database`)
      const loud = page.locator('tw-database .banner.danger.loud')
      await loud.waitFor()
      expect(await loud.textContent()).toContain('MISSING')
      expect(await loud.getAttribute('role')).toBe('alert')
      expect(await page.locator('tw-database tbody td.num').first().textContent()).toContain('unknown')
      expect(await page.locator('tw-database .banner.danger', { hasText: 'Row-collapse' }).textContent()).toContain('players')

      await page.goto(`${app}/logs/#/errors`)
      const warn = page.locator('tw-errors .banner.warn')
      await warn.waitFor()
      expect(await warn.textContent()).toContain('429')

      await page.goto(`${app}/logs/#/connections`)
      await page.locator('tw-connections-chart canvas').first().waitFor()
      expect(await page.locator('tw-connections .big').first().textContent()).toContain('92')
      expect(await page.locator('tw-connections section[aria-labelledby=pb-h] tbody tr').first().textContent()).toContain('TovPlay')
    } finally {
      await page.unrouteAll()
    }
  })

  it('is keyboard driven: arrow keys move between view tabs, with a visible focus ring', async () => {
    await page.goto(`${app}/logs/#/overview`)
    await page.locator('#tab-overview').focus()
    await page.keyboard.press('ArrowRight')
    await page.waitForURL(/#\/errors/)
    const focused = page.locator('#tab-errors')
    expect(await focused.getAttribute('aria-selected')).toBe('true')
    expect(await focused.evaluate((el) => el === (el.getRootNode() as unknown as { activeElement: unknown }).activeElement)).toBe(true)
    expect(await focused.evaluate('(el) => getComputedStyle(el).outlineStyle')).not.toBe('none')
    await page.keyboard.press('End')
    await page.waitForURL(/#\/alerts/)
    expect(await page.locator('main#panel').getAttribute('aria-labelledby')).toBe('tab-alerts')
  })

  it('holds the layout at 360 px on every view', async () => {
    await page.setViewportSize({ width: 360, height: 740 })
    for (const view of ['overview', 'errors?range=24h&sev=low', 'database', 'connections', 'alerts']) {
      await page.goto(`${app}/logs/#/${view}`)
      await page.locator('main#panel > *').first().waitFor()
      await page.waitForTimeout(700)
      expect(await horizontalOverflow(page), view).toBeLessThanOrEqual(0)
    }
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('logs nothing to the console and violates no CSP rule', () => {
    expect(problems.filter((p) => !EXPECTED.test(p))).toEqual([])
  })
})
