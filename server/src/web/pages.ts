import fs from 'node:fs'
import path from 'node:path'

export type PageName = 'index' | 'login' | 'embed'

/**
 * The built HTML pages, with asset URLs made absolute under BASE_PATH and the base written
 * into a <meta> for the scripts (no inline script needed). Read once; retried while missing.
 */
export function createPages (distDir: string, base: string) {
  const cache = new Map<PageName, string>()
  const meta = `<meta name="tw-base" content="${base}">`

  function load (name: PageName): string | undefined {
    const hit = cache.get(name)
    if (hit !== undefined) return hit
    let html: string
    try {
      html = fs.readFileSync(path.join(distDir, `${name}.html`), 'utf8')
    } catch {
      return undefined
    }
    html = html.replaceAll('"./assets/', `"${base}/assets/`).replace(/<meta charset="utf-8"\s*\/?>/i, (m) => `${m}\n    ${meta}`)
    cache.set(name, html)
    return html
  }

  return { get: load, built: () => fs.existsSync(path.join(distDir, 'index.html')) }
}

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TovWatch: web UI not built</title></head>
<body><h1>The TovWatch web UI is not built</h1>
<p>The server is running and its API works, but <code>ui/dist</code> is missing.
Run <code>npm run build:ui</code> (or start with <code>npm start</code>, which builds it), then reload.</p>
</body></html>
`
