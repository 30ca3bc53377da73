/**
 * Node side of the component tests: builds harness.html with Vite, serves it under the
 * production Content-Security-Policy and opens it in Debian's Chromium (never a downloaded one).
 */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../../../server/test/web/e2e-helpers.js'
import { buildHarnessPage, serveHarnessPage } from '../../../server/test/web/harness-page.js'
import type { Found, Recorded, Reply, TwTest } from './harness.js'

const HERE = import.meta.dirname

export interface Harness {
  page: Page
  /** Every path the page asked the server for (the harness's own files included). */
  served: string[]
  /** Console errors and uncaught exceptions in the page. */
  problems: string[]
  /** Clears the page and the problem lists for the next test. */
  reset: () => Promise<void>
  /** What went wrong quietly: CSP violations, console errors, requests without a canned reply. Empty when all is well. */
  quiet: () => Promise<{ violations: string[], problems: string[], unexpected: string[] }>
  reply: (key: string, ...r: Reply[]) => Promise<void>
  mount: (tag: Parameters<TwTest['mount']>[0], props?: Record<string, unknown>, ui?: Parameters<TwTest['mount']>[2]) => Promise<void>
  read: (path: string) => Promise<Found[]>
  settle: () => Promise<void>
  requests: () => Promise<Recorded[]>
  call: <K extends keyof TwTest>(fn: K, ...args: Parameters<TwTest[K]>) => Promise<Awaited<ReturnType<TwTest[K]>>>
  close: () => Promise<void>
}

/** Build, serve and open the harness; call in beforeAll and `close()` in afterAll. */
export async function openHarness (): Promise<Harness> {
  const dir = await buildHarnessPage(HERE, 'harness.html', { minify: false })
  const served: string[] = []
  const problems: string[] = []
  const server = await serveHarnessPage(dir, 'harness.html', (url) => served.push(url))
  let browser: Browser | undefined
  const close = async () => {
    await browser?.close()
    await new Promise((resolve) => { server.close(resolve) })
    fs.rmSync(dir, { recursive: true, force: true })
  }
  try {
    browser = await launchChromium()
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
    page.on('pageerror', (e) => { problems.push(e.message) })
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction('document.title === "ready"')
    // This file is compiled for node too: globalThis is the page's window there.
    const call = <K extends keyof TwTest>(fn: K, ...args: Parameters<TwTest[K]>) =>
      page.evaluate(([f, a]) => (globalThis as unknown as { twTest: Record<string, (...x: unknown[]) => unknown> }).twTest[f as string]?.(...(a as unknown[])), [fn, args] as const) as Promise<Awaited<ReturnType<TwTest[K]>>>
    return {
      page,
      served,
      problems,
      reset: () => { problems.length = 0; return call('reset') },
      quiet: async () => ({ violations: await call('violations'), problems: [...problems], unexpected: await call('unexpected') }),
      reply: (key, ...r) => call('reply', key, ...r),
      mount: (tag, props = {}, ui = {}) => call('mount', tag, props, ui),
      read: (p) => call('read', p),
      settle: () => call('settle'),
      requests: () => call('requests'),
      call,
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}
