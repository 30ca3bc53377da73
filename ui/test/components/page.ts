/**
 * Node side of the component tests: builds harness.html with Vite, serves it under the
 * production Content-Security-Policy and opens it in Debian's Chromium (never a downloaded one).
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { contentSecurityPolicy } from '../../../server/src/web/headers.js'
import { launchChromium } from '../../../server/test/web/e2e-helpers.js'
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

async function buildHarness (): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ui-components-'))
  await build({
    configFile: false,
    logLevel: 'warn',
    root: HERE,
    base: './',
    build: { outDir: out, emptyOutDir: true, target: 'es2022', minify: false, modulePreload: { polyfill: false }, rollupOptions: { input: path.join(HERE, 'harness.html') } },
  })
  return out
}

function serve (dir: string, served: string[]): Promise<http.Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0] ?? '/'
    served.push(url)
    const file = path.join(dir, path.normalize(url === '/' ? 'harness.html' : url.slice(1)))
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) { res.writeHead(404).end(); return }
    // The production policy: nothing may need 'unsafe-inline', and injected markup could not run anyway.
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': contentSecurityPolicy("'none'") })
    fs.createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { resolve(server) }))
}

/** Build, serve and open the harness; call in beforeAll and `close()` in afterAll. */
export async function openHarness (): Promise<Harness> {
  const dir = await buildHarness()
  const served: string[] = []
  const problems: string[] = []
  const server = await serve(dir, served)
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
