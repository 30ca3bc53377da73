import { routePrefix } from '../infra/http.js'

/**
 * Links into the /logs/ UI, in the form its router reads (ui/src/url-state.ts, parseHash):
 * `#/<view>?k=v`, e.g. `#/errors?range=1h&sev=high` or `#/alerts?alerts=firing`. A view the UI
 * does not know would open the overview anyway, so it is sent as the overview outright.
 */
export const UI_VIEWS = ['overview', 'errors', 'database', 'connections', 'alerts'] as const
export type UiView = (typeof UI_VIEWS)[number]

export interface LinkBase { publicUrl: string, basePath: string }

export function uiView (view: string): UiView {
  return (UI_VIEWS as readonly string[]).includes(view) ? view as UiView : 'overview'
}

/** `#/<view>` plus the given query parameters (empty values left out). */
export function uiHash (view: string, params: Record<string, string | undefined> = {}): string {
  const sp = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') sp.set(k, v)
  const qs = sp.toString()
  return `#/${uiView(view)}${qs === '' ? '' : '?' + qs}`
}

/** PUBLIC_URL + BASE_PATH + '/' + the hash. */
export function uiLink (l: LinkBase, view: string, params: Record<string, string | undefined> = {}): string {
  const base = routePrefix(l.basePath)
  return `${l.publicUrl}${base}/${uiHash(view, params)}`
}
