import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { have } from '../helpers/services.js'
import { launchChromium, seedLogs, watchPage } from './e2e-helpers.js'
import { ensureUiBuilt } from './ui-build.js'

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett']

/** Live updates, the chart's drag, the range picker and links to a group, in the built UI. */
describe.skipIf(!(await have('chromium')))('error feed: live, zoomable, linkable (headless Chromium)', () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let app: string
  let logFile: string
  const problems: string[] = []
  const feedRequests: string[] = []

  beforeAll(async () => {
    ensureUiBuilt()
    t = await buildTestApp({ ERRORS_LIVE_INTERVAL_MS: '1000' })
    seedLogs(t.config.dataDir)
    logFile = path.join(t.config.dataDir, 'logs', 'app.log')
    // Enough distinct errors that the last group is far below the fold.
    const now = Date.now()
    const extra = WORDS.flatMap((a, i) => WORDS.map((b, j) => JSON.stringify({ level: 50, time: now - (i * 10 + j + 2) * 30_000, msg: `handler ${a} ${b} gave up`, service: 'api' })))
    fs.appendFileSync(logFile, extra.join('\n') + '\n')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    app = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    watchPage(page, problems)
    page.on('request', (r) => { if (r.url().includes('/logs/api/errors')) feedRequests.push(r.url()) })
    await page.goto(`${app}/logs/login?next=${encodeURIComponent('/logs/#/errors')}`)
    await page.locator('#token').fill(VIEWER_TOKEN)
    await page.locator('button[type=submit]').click()
    await page.waitForURL(`${app}/logs/#/errors`)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await t?.close()
  })

  it('shows a new error within the live interval, without reloading the feed', async () => {
    await page.goto(`${app}/logs/#/errors?range=1h`)
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
    await expect.poll(() => t.app.liveErrors?.subscriptions(), { timeout: 5000 }).toBe(1)
    const loads = feedRequests.length
    const total = await page.locator('tw-errors .totals').textContent()
    fs.appendFileSync(logFile, JSON.stringify({ level: 60, time: Date.now(), msg: 'ledger replica diverged from primary', service: 'api' }) + '\n')
    const written = Date.now()
    await page.locator('tw-error-group', { hasText: 'ledger replica diverged' }).waitFor({ timeout: 5000 })
    expect(Date.now() - written).toBeLessThanOrEqual(5000)
    expect(await page.locator('tw-errors .totals').textContent()).not.toBe(total)
    // Merged into the answer on the page: no request for the feed.
    expect(feedRequests.length).toBe(loads)
    await page.screenshot({ path: '/tmp/tovwatch-errors-live.png', fullPage: false })
  })

  it('sets the range in the URL when the chart is dragged across', async () => {
    await page.goto(`${app}/logs/#/errors?range=6h`)
    const over = page.locator('tw-error-rate-chart .u-over')
    await over.waitFor({ timeout: 15_000 })
    const box = await over.boundingBox()
    if (box === null) throw new Error('no chart')
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await expect.poll(() => page.url()).toContain('range=custom')
    const sp = new URLSearchParams(new URL(page.url()).hash.split('?')[1])
    const start = Date.parse(sp.get('start') ?? '')
    const end = Date.parse(sp.get('end') ?? '')
    // About a fifth of six hours, ending well before now.
    expect((end - start) / 3_600_000).toBeGreaterThan(0.8)
    expect((end - start) / 3_600_000).toBeLessThan(1.6)
    expect(Date.now() - end).toBeGreaterThan(3600_000)
    await expect.poll(() => page.locator('tw-range-picker #from').inputValue()).toBe(sp.get('start'))
  })

  it('takes relative and absolute times in the range picker, and says what is wrong with bad ones', async () => {
    await page.goto(`${app}/logs/#/errors?range=1h`)
    const from = page.locator('tw-range-picker #from')
    await from.waitFor({ timeout: 15_000 })
    await from.fill('yesterday')
    await from.press('Enter')
    await expect.poll(() => page.locator('tw-range-picker #range-error').textContent()).toContain('From: "yesterday" is not a time')
    expect(await from.getAttribute('aria-invalid')).toBe('true')
    await from.fill('now-1h')
    await page.locator('tw-range-picker #to').fill('now-2h')
    await from.press('Enter')
    await expect.poll(() => page.locator('tw-range-picker #range-error').textContent()).toContain('From must be before To')
    await page.locator('tw-range-picker #to').fill('now')
    await from.fill('now-2h')
    await from.press('Enter')
    await expect.poll(() => page.url()).toContain('range=2h')
    const abs = new Date(Date.now() - 3 * 3600_000).toISOString()
    await from.fill(abs)
    await page.locator('tw-range-picker #to').fill('now-1h')
    await from.press('Enter')
    await expect.poll(() => page.url()).toContain('range=custom')
    expect(decodeURIComponent(page.url())).toContain(`start=${abs}`)
    expect(page.url()).toContain('end=now-1h')
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
  })

  it('scrolls a linked group into view and highlights it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/logs/api/errors?range=24h&minSeverity=high', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })
    const groups = res.json().groups as Array<{ fingerprint: string, template: string }>
    expect(groups.length).toBeGreaterThan(40)
    const last = groups[groups.length - 1] as { fingerprint: string, template: string }
    await page.goto('about:blank')
    await page.goto(`${app}/logs/#/errors?range=24h&group=${encodeURIComponent(last.fingerprint)}`)
    const row = page.locator('tw-error-group[expanded]')
    await row.waitFor({ timeout: 15_000 })
    await expect.poll(() => row.getAttribute('highlight')).toBe('')
    const box = await row.boundingBox()
    expect(box?.y).toBeGreaterThanOrEqual(0)
    expect(box?.y).toBeLessThan(800)
    expect(await row.textContent()).toContain(last.template.slice(0, 20))
    await page.screenshot({ path: '/tmp/tovwatch-errors-linked.png', fullPage: false })
    expect(problems.filter((p) => !/Failed to load resource|^http 4/.test(p))).toEqual([])
  })
})
