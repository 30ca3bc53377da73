import fs from 'node:fs'
import path from 'node:path'

export type PageName = 'index' | 'login' | 'embed'

/**
 * The built HTML pages, with asset URLs made absolute under BASE_PATH and the base written
 * into a <meta> for the scripts (no inline script needed). Each page is kept until its file
 * changes (one stat per page request), so a rebuild with new asset hashes is picked up.
 */
export function createPages (distDir: string, base: string) {
  const cache = new Map<PageName, { mtimeMs: number, size: number, html: string }>()
  const meta = `<meta name="tw-base" content="${base}">`
  let builtSeen = false

  function load (name: PageName): string | undefined {
    const file = path.join(distDir, `${name}.html`)
    let html: string
    let st: fs.Stats
    try {
      st = fs.statSync(file)
      const hit = cache.get(name)
      if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.html
      html = fs.readFileSync(file, 'utf8')
    } catch {
      cache.delete(name)
      return undefined
    }
    html = html.replaceAll('"./assets/', `"${base}/assets/`).replace(/<meta charset="utf-8"\s*\/?>/i, (m) => `${m}\n    ${meta}`)
    cache.set(name, { mtimeMs: st.mtimeMs, size: st.size, html })
    return html
  }

  /** Whether ui/dist is there. Remembered once true, so asset requests cost no stat after that. */
  function built (): boolean {
    if (!builtSeen) builtSeen = fs.existsSync(path.join(distDir, 'index.html'))
    return builtSeen
  }

  return { get: load, built }
}

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TovWatch: web UI not built</title></head>
<body><h1>The TovWatch web UI is not built</h1>
<p>The server is running and its API works, but <code>ui/dist</code> is missing.
Run <code>npm run build:ui</code> (or start with <code>npm start</code>, which builds it), then reload.</p>
</body></html>
`
