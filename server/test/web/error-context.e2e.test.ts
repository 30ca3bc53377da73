import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { have } from '../helpers/services.js'
import { horizontalOverflow, launchChromium, seedLogs, watchPage } from './e2e-helpers.js'
import { ensureUiBuilt } from './ui-build.js'

// A sample's surrounding lines, through the real server (file source) and the built UI.
describe.skipIf(!(await have('chromium')))('error context end to end (headless Chromium)', () => {
  let t: TestApp
  let browser: Browser
  let page: Page
  let app: string
  const problems: string[] = []
  // The focused element through every shadow root (a string: this file is compiled without the DOM library).
  const focused = (attr: string) => page.evaluate(`(() => { let e = document.activeElement; while (e?.shadowRoot?.activeElement) e = e.shadowRoot.activeElement; return e?.getAttribute(${JSON.stringify(attr)}) })()`)

  beforeAll(async () => {
    ensureUiBuilt()
    t = await buildTestApp({ GRAFANA_URL: 'https://grafana.example.com' }, { parts: { database: false, alerts: false, scheduling: false } })
    seedLogs(t.config.dataDir)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    app = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    watchPage(page, problems)
    await page.goto(`${app}/logs/login`)
    await page.locator('#token').fill(VIEWER_TOKEN)
    await page.locator('button[type=submit]').click()
    await page.locator('tw-header').waitFor()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await t?.close()
  })

  it('opens the lines around a sample from its group, the sample highlighted and focused; Escape closes it and focus returns', async () => {
    await page.goto(`${app}/logs/#/errors?range=24h&sev=low`)
    await page.locator('tw-error-group').first().waitFor({ timeout: 15_000 })
    await page.locator('tw-error-group', { hasText: 'payment provider timeout' }).locator('button.toggle').click()
    const opener = page.locator('tw-error-group ul.samples li button.context').first()
    await opener.click()
    const sample = page.locator('tw-error-context li.line.sample')
    await sample.waitFor({ timeout: 15_000 })
    expect(await sample.getAttribute('aria-current')).toBe('true')
    expect(await sample.textContent()).toContain('payment provider timeout')
    // Its neighbours in the file: the info lines around it, JSON shown by its fields.
    const lines = page.locator('tw-error-context li.line')
    expect(await lines.count()).toBeGreaterThanOrEqual(10)
    expect(await lines.filter({ hasText: 'request completed' }).count()).toBeGreaterThan(0)
    expect(await page.locator('tw-error-context li.line.sample .sev').textContent()).toBe('error')
    expect(await page.locator('tw-error-context p.edge').allTextContents()).toContain('No later lines in this log file.')
    expect(await focused('aria-current')).toBe('true')
    // The file source has no LogQL: no Explore link, even with GRAFANA_URL set.
    expect(await page.locator('tw-error-context header a').count()).toBe(0)
    if (process.env.TW_SCREENSHOTS !== undefined) await page.screenshot({ path: `${process.env.TW_SCREENSHOTS}/e2e-context.png` })
    await page.setViewportSize({ width: 360, height: 740 })
    expect(await horizontalOverflow(page)).toBe(0)
    if (process.env.TW_SCREENSHOTS !== undefined) await page.screenshot({ path: `${process.env.TW_SCREENSHOTS}/e2e-context-narrow.png` })
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.keyboard.press('Escape')
    await expect.poll(() => page.locator('tw-error-context').count()).toBe(0)
    expect(await focused('class')).toBe('context')
    // The alert stream and the other views are not built in this app: only their failures are expected.
    expect(problems.filter((p) => !/\/logs\/api\/(alerts|database|connections|silences)|^console: Failed to load resource/.test(p))).toEqual([])
  })
})
