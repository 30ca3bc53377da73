import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Debian's Chromium, never a downloaded one. */
export function launchChromium (): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** Error lines in two common shapes (pino JSON and plain text), spread over the last hours. */
export function seedLogs (dataDir: string, now = Date.now()): void {
  const dir = path.join(dataDir, 'logs')
  fs.mkdirSync(dir, { recursive: true })
  const lines: string[] = []
  for (let i = 0; i < 40; i++) {
    const t = now - (i * 7 + 1) * 60_000
    lines.push(JSON.stringify({ level: 50, time: t, msg: `payment provider timeout after ${1000 + i} ms`, service: 'scheduling' }))
    if (i % 4 === 0) lines.push(JSON.stringify({ level: 60, time: t + 1000, msg: 'database "TovPlay" does not exist', service: 'scheduling' }))
    if (i % 3 === 0) lines.push(JSON.stringify({ level: 40, time: t + 2000, msg: `slow query took ${i * 100} ms`, service: 'scheduling' }))
    lines.push(JSON.stringify({ level: 30, time: t + 3000, msg: 'request completed', statusCode: 200 }))
  }
  // A log line that tries to inject markup: it must show up as text.
  lines.push(JSON.stringify({ level: 50, time: now - 90_000, msg: '<img src=x onerror=alert(1)> render failed', service: 'web' }))
  fs.writeFileSync(path.join(dir, 'app.log'), lines.reverse().join('\n') + '\n')
}

/**
 * A stand-in for Grafana on another port: /frame?src=... returns a page that frames src.
 * Reached as http://127.0.0.1:port (allowed) and http://localhost:port (another origin).
 */
export async function startParentServer (): Promise<{ port: number, close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const src = url.searchParams.get('src') ?? ''
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    const escaped = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
    res.end(`<!doctype html><title>parent</title><iframe id="panel" src="${escaped}" width="800" height="500"></iframe>`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => { resolve() })),
  }
}

/** Console errors, page errors and CSP violations of a page, gathered for a final check. */
export function watchPage (page: Page, problems: string[]): void {
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`) })
  page.on('pageerror', (err) => { problems.push(`pageerror: ${err.message}`) })
  page.on('response', (res) => { if (res.status() >= 400) problems.push(`http ${res.status()} ${new URL(res.url()).pathname}${new URL(res.url()).search}`) })
  // Runs in the page (as a string: this file is compiled without the DOM library).
  page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
  }).catch((err: unknown) => { problems.push(`addInitScript: ${String(err)}`) })
}

/** Horizontal overflow of the document, in CSS pixels beyond the viewport. */
export async function horizontalOverflow (page: Page): Promise<number> {
  return page.evaluate<number>('(document.scrollingElement?.scrollWidth ?? 0) - window.innerWidth')
}
