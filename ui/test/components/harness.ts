/**
 * Runs inside Chromium for the component tests (ui/test/components/*.test.ts): mounts the real
 * components with an AppContext whose api is the real client (ui/src/api.ts) over a fake fetch
 * that answers from canned replies and records every request, and reads their shadow DOM.
 */
import { AlertsStore } from '../../src/alerts-store.js'
import { createApi } from '../../src/api.js'
import '../../src/components/tw-age.js'
import '../../src/components/tw-alerts.js'
import '../../src/components/tw-database.js'
import '../../src/components/tw-errors.js'
import type { AppContext } from '../../src/context.js'
import '../../src/styles/theme.css'
import type { Alert } from '../../src/types.js'
import { DEFAULT_STATE, type UiState } from '../../src/url-state.js'

export interface Reply { status: number, body?: unknown }
export interface Recorded { method: string, url: string, body: unknown, headers: Record<string, string> }
/** One element found by `read`: its tag, its text (whitespace collapsed) and its attributes. */
export interface Found { tag: string, text: string, attrs: Record<string, string> }

const root = document.getElementById('root') as HTMLElement
const frame = () => new Promise<void>((resolve) => { requestAnimationFrame(() => { setTimeout(resolve, 0) }) })

let replies = new Map<string, Reply[]>()
let requests: Recorded[] = []
let unexpected: string[] = []
let violations: string[] = []
let inflight = 0
let store = new AlertsStore(undefined, 0)

document.addEventListener('securitypolicyviolation', (e) => { violations.push(`${e.violatedDirective} ${e.blockedURI}`) })

/** Answers `METHOD /api/path` (no query) from its queue; the last reply repeats. */
const fakeFetch: typeof fetch = async (input, init) => {
  const url = new URL(String(input), location.href)
  const method = init?.method ?? 'GET'
  const key = `${method} ${url.pathname}`
  inflight++
  try {
    requests.push({
      method,
      url: url.pathname + url.search,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      headers: { ...(init?.headers as Record<string, string> | undefined) },
    })
    await new Promise((resolve) => { setTimeout(resolve, 0) })
    const queue = replies.get(key)
    const reply = queue === undefined || queue.length === 0 ? undefined : queue.length > 1 ? queue.shift() : queue[0]
    if (reply === undefined) {
      unexpected.push(key)
      return new Response(JSON.stringify({ statusCode: 404, error: 'Not Found', message: `no canned reply for ${key}` }), { status: 404 })
    }
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } })
  } finally {
    inflight--
  }
}

let role: 'viewer' | 'admin' = 'viewer'

function context (): AppContext {
  return {
    api: createApi({ base: '/logs', fetch: fakeFetch, cookies: () => 'tw_csrf=csrf-token-1' }),
    alerts: store,
    base: '/logs',
    embed: false,
    me: { name: 'alice', role, via: 'token' },
    streamState: 'open',
  }
}

/** `a >>> b`: b inside the shadow root of each a (or inside a itself when it has none). A selector list (`b, c`) applies within one segment only. */
function all (path: string): Element[] {
  let scopes: ParentNode[] = [root]
  let found: Element[] = []
  for (const sel of path.split('>>>').map((s) => s.trim())) {
    found = scopes.flatMap((s) => [...s.querySelectorAll(sel)])
    scopes = found.map((e) => e.shadowRoot ?? e)
  }
  return found
}

/** Until no fake request is pending and every update has run (two quiet frames in a row). */
async function settle (): Promise<void> {
  for (let quiet = 0; quiet < 2;) {
    await frame()
    quiet = inflight === 0 ? quiet + 1 : 0
  }
}

const twTest = {
  /** The role the next mounted component's user has (reset: viewer). */
  role (r: 'viewer' | 'admin'): void { role = r },
  reset (): void {
    role = 'viewer'
    root.replaceChildren()
    replies = new Map()
    requests = []
    unexpected = []
    violations = []
    store = new AlertsStore(undefined, 0)
    delete (window as unknown as Record<string, unknown>).pwned
  },
  reply (key: string, ...r: Reply[]): void { replies.set(key, r) },
  alerts (list: Alert[]): void { store.replace(list) },
  /** Mounts `tag` with the fake context and the given properties; tw-state events patch its ui, as tw-app does. */
  async mount (tag: 'tw-age' | 'tw-alerts' | 'tw-database' | 'tw-errors' | 'tw-dead-letters', props: Record<string, unknown> = {}, ui: Partial<UiState> = {}): Promise<void> {
    const el = document.createElement(tag) as HTMLElement & { ui?: UiState, ctx?: AppContext }
    if (tag !== 'tw-age') {
      el.ctx = context()
      el.ui = { ...DEFAULT_STATE, ...ui }
      el.addEventListener('tw-state', (e) => { el.ui = { ...(el.ui as UiState), ...(e as CustomEvent<Partial<UiState>>).detail } })
    }
    Object.assign(el, props)
    root.append(el)
    await settle()
  },
  /** `at` this many seconds before the page's clock. */
  ago: (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString(),
  settle,
  read: (path: string): Found[] => all(path).map((e) => ({
    tag: e.tagName.toLowerCase(),
    text: (e.textContent ?? '').replace(/\s+/g, ' ').trim(),
    attrs: Object.fromEntries([...e.attributes].map((a) => [a.name, a.value])),
  })),
  /** A computed style of the first match, e.g. ('tw-age >>> time', 'content', '::after'). */
  style: (path: string, prop: string, pseudo?: string): string | undefined => {
    const e = all(path)[0]
    return e === undefined ? undefined : getComputedStyle(e, pseudo).getPropertyValue(prop)
  },
  requests: () => requests,
  unexpected: () => unexpected,
  violations: () => violations,
  /** Set by the injected markup if it ever ran. */
  pwned: () => (window as unknown as Record<string, unknown>).pwned,
}

export type TwTest = typeof twTest
;(window as unknown as { twTest: TwTest }).twTest = twTest
document.title = 'ready'
