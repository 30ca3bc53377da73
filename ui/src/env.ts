/** Where the page lives: the server writes BASE_PATH into <meta name="tw-base">. */
export function basePath (doc: Document = document): string {
  const meta = doc.querySelector('meta[name="tw-base"]')?.getAttribute('content') ?? ''
  return meta === '/' ? '' : meta.replace(/\/+$/, '')
}

/** The signed embed token a Grafana iframe carries in its URL, if any. */
export function embedTokenFromUrl (href: string): string | undefined {
  const t = new URL(href).searchParams.get('embed_token')
  return t === null || t === '' ? undefined : t
}

export function readCookie (cookieString: string, name: string): string | undefined {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return undefined
}
