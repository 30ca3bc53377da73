/**
 * A single-page harness for the UI (bench/ui-render.bench.ts and the component tests): built with
 * Vite into a temp directory and served under the production Content-Security-Policy, so nothing
 * it runs may need 'unsafe-inline'.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { build } from 'vite'
import { contentSecurityPolicy } from '../../src/web/headers.js'

/** Builds `root/<html>` into a new temp directory (the caller removes it). */
export async function buildHarnessPage (root: string, html: string, opts: { minify?: boolean } = {}): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ui-harness-'))
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    base: './',
    build: { outDir: out, emptyOutDir: true, target: 'es2022', minify: opts.minify ?? true, modulePreload: { polyfill: false }, rollupOptions: { input: path.join(root, html) } },
  })
  return out
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }

/** Serves `dir` on a free local port, `/` as `html`; `onRequest` hears every path asked for. */
export function serveHarnessPage (dir: string, html: string, onRequest: (url: string) => void = () => {}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0] ?? '/'
    onRequest(url)
    const file = path.join(dir, path.normalize(url === '/' ? html : url.slice(1)))
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file)) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': contentSecurityPolicy("'none'") })
    fs.createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { resolve(server) }))
}
