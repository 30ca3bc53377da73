import { normalize, templateOf } from '../fingerprint.js'

/**
 * What an event is grouped on (Sentry's bar, on the lines TovPlay has):
 * - a stack (Python, JS, Java, Go, or a pino line's err.stack): the exception type plus the
 *   top in-app frame (file and function, no line number, so a deploy does not split it), with
 *   the endpoint when the header names it; the message is shown but not keyed on;
 * - an access-log error (nginx combined, or nginx's error log about an upstream): status,
 *   upstream and method, with the normalized path as a breakdown inside the group;
 * - anything else: the message template (fingerprint.ts).
 */
export interface Frame { file: string, fn: string }

export interface EventSignature {
  kind: 'stack' | 'access' | 'message'
  /** The grouping key, without labels. */
  key: string
  /** What the group shows. */
  template: string
  exceptionType?: string
  frame?: Frame
  endpoint?: string
  /** Access errors: the normalized path, counted per group as a breakdown. */
  path?: string
}

const MAX_PARSE_LINES = 400

const PY_FRAME = /^\s*File "([^"]+)", line \d+, in (.+?)\s*$/
const PY_EXC = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/
const PY_SKIP = /^(?:Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause)/
const JS_FRAME = /^\s+at (?:(?:async )?(.+?) \((.+?)(?::\d+){0,2}\)|(.+?)(?::\d+){0,2})\s*$/
const JAVA_FRAME = /^\s+at ([\w$./]+)\.([\w$<>-]+)\(([^)]*)\)/
const GO_FUNC = /^(?:created by )?([\w./*()-]+?)(?:\(.*\))?(?: in goroutine \d+)?\s*$/
const GO_FILE = /^\t(\S+?\.go):\d+/
const FLASK_ENDPOINT = /Exception on (\/\S*) \[([A-Z]+)\]/
const REQUEST_LINE = /"([A-Z]{3,7}) (\/[^\s"]*) HTTP\/[\d.]+"/

const notInAppPy = /site-packages|dist-packages|\/lib\/python\d|^<frozen|^<string>/
const notInAppJs = /node_modules|^node:|^internal\/|^<anonymous>$|^native$/
const notInAppJava = /^(?:java|javax|jdk|sun|com\.sun|kotlin|kotlinx|scala|jakarta|org\.springframework|org\.apache|org\.hibernate|io\.netty|org\.postgresql|com\.zaxxer|reactor)\./
const notInAppGo = /^\/usr\/local\/go\/|\/go\/pkg\/mod\/|^runtime\//

/** A path with ids, numbers and hashes replaced, its query dropped: `/api/sessions/<n>/join`. */
export function normalizePath (path: string): string {
  const noQuery = path.split('?')[0] as string
  return noQuery.split('/').map((seg) => seg === '' ? seg : normalize(seg).replace(/^"<str>"$/, '<str>')).join('/')
}

const base = (file: string) => file.replace(/^.*?\/(?=(?:app|src|lib)\/)/, '')

function pickTop (frames: Frame[], notInApp: RegExp, innermostLast: boolean): Frame | undefined {
  const ordered = innermostLast ? [...frames].reverse() : frames
  return ordered.find((f) => !notInApp.test(f.file) && !notInApp.test(f.fn)) ?? ordered[0]
}

interface Stack { type: string, message: string, frames: Frame[], innermostLast: boolean, notInApp: RegExp }

function pythonStack (lines: readonly string[]): Stack | undefined {
  let lastTb = -1
  for (let i = 0; i < lines.length; i++) if ((lines[i] as string).startsWith('Traceback (most recent call last):')) lastTb = i
  if (lastTb < 0) return undefined
  const frames: Frame[] = []
  let type = ''
  let message = ''
  for (let i = lastTb + 1; i < lines.length; i++) {
    const line = lines[i] as string
    const f = PY_FRAME.exec(line)
    if (f !== null) { frames.push({ file: base(f[1] as string), fn: f[2] as string }); continue }
    const c = line.charCodeAt(0)
    if (line === '' || c === 32 || c === 9 || PY_SKIP.test(line)) continue
    const e = PY_EXC.exec(line)
    if (e !== null && type === '') { type = e[1] as string; message = e[2] ?? '' }
  }
  return type === '' && frames.length === 0 ? undefined : { type: type || 'Traceback', message, frames, innermostLast: true, notInApp: notInAppPy }
}

function jsOrJavaStack (lines: readonly string[]): Stack | undefined {
  const firstAt = lines.findIndex((l) => /^\s+at\s/.test(l))
  if (firstAt < 0) return undefined
  const java = JAVA_FRAME.test(lines[firstAt] as string) && /\.(?:java|kt|scala|groovy):\d+\)|Native Method|Unknown Source/.test(lines[firstAt] as string)
  // The exception line: the nearest line above the first frame that names a type.
  let type = 'Error'
  let message = ''
  for (let i = firstAt - 1; i >= 0; i--) {
    const m = /^\s*(?:Uncaught )?([A-Za-z_$][\w$.]*(?:Error|Exception|Throwable|Failure|Rejection)|Error)(?::\s?(.*))?$/.exec(lines[i] as string)
    if (m !== null) { type = m[1] as string; message = m[2] ?? ''; break }
  }
  const frames: Frame[] = []
  for (let i = firstAt; i < lines.length; i++) {
    const line = lines[i] as string
    if (/^(?:\s*)Caused by: /.test(line)) break // the top-level exception's frames only
    if (java) {
      const m = JAVA_FRAME.exec(line)
      if (m !== null) frames.push({ file: (m[3] as string).replace(/:\d+$/, ''), fn: `${m[1] as string}.${m[2] as string}` })
    } else {
      const m = JS_FRAME.exec(line)
      if (m !== null) frames.push({ file: base((m[2] ?? m[3]) as string), fn: m[1] ?? '<anonymous>' })
    }
  }
  return { type, message, frames, innermostLast: false, notInApp: java ? notInAppJava : notInAppJs }
}

function goStack (lines: readonly string[]): Stack | undefined {
  const head = /^(panic|fatal error): (.*)$/.exec(lines[0] as string)
  if (head === null) return undefined
  const frames: Frame[] = []
  for (let i = 1; i + 1 < lines.length; i++) {
    const file = GO_FILE.exec(lines[i + 1] as string)
    const fn = file === null ? null : GO_FUNC.exec(lines[i] as string)
    if (fn !== null && file !== null) { frames.push({ file: file[1] as string, fn: fn[1] as string }); i++ }
  }
  return { type: head[1] as string, message: head[2] as string, frames, innermostLast: false, notInApp: notInAppGo }
}

interface Pino { stack?: string, type?: string, message?: string, msg?: string, method?: string, url?: string }

/** A JSON line's err.stack (pino's serializer), its type, and the request it came from. */
function pinoOf (line: string): Pino | undefined {
  if (line.charCodeAt(0) !== 123 || !line.includes('"stack"')) return undefined
  let o: Record<string, unknown>
  try { o = JSON.parse(line) as Record<string, unknown> } catch { return undefined }
  const err = (o.err ?? o.error ?? o.exception) as Record<string, unknown> | undefined
  if (typeof err !== 'object' || err === null || typeof err.stack !== 'string') return undefined
  const req = o.req as Record<string, unknown> | undefined
  return {
    stack: err.stack,
    type: typeof err.type === 'string' ? err.type : typeof err.name === 'string' ? err.name : undefined,
    message: typeof err.message === 'string' ? err.message : undefined,
    msg: typeof o.msg === 'string' ? o.msg : undefined,
    method: typeof req?.method === 'string' ? req.method : undefined,
    url: typeof req?.url === 'string' ? req.url : undefined,
  }
}

const COMBINED = /^\S+ \S+ \S+ \[[^\]]+\] "([A-Z]{3,7}) (\S+)[^"]*" (\d{3}) /
const UPSTREAM_FIELD = /\b(?:upstream(?:_addr)?|ups?)[=:] ?"?([a-z]+:\/\/[^/\s",]+|[^\s",]+:\d+)/i
const NGINX_ERROR = /\[(?:error|crit|alert|emerg)\] \d+#\d+: (?:\*\d+ )?(.*?), client: .*?request: "([A-Z]{3,7}) (\S+)[^"]*"(?:, upstream: "([a-z]+:\/\/[^/"]+))?/

function accessOf (line: string): EventSignature | undefined {
  const c = COMBINED.exec(line)
  if (c !== null) {
    const [, method, path, status] = c as unknown as [string, string, string, string]
    if (Number(status) < 400) return undefined
    const upstream = UPSTREAM_FIELD.exec(line.slice(c[0].length))?.[1]
    const via = upstream === undefined ? '' : ` via ${upstream}`
    return { kind: 'access', key: `access\u0000${status}\u0000${upstream ?? ''}\u0000${method}`, template: `${method} ${status}${via}`, path: normalizePath(path) }
  }
  const e = NGINX_ERROR.exec(line)
  if (e !== null) {
    const [, reason, method, path, upstream] = e as unknown as [string, string, string, string, string | undefined]
    const why = normalize(reason.replace(/^\d+#\d+: /, ''))
    const via = upstream === undefined ? '' : ` via ${upstream}`
    return { kind: 'access', key: `access\u0000-\u0000${upstream ?? ''}\u0000${method}\u0000${why}`, template: `${method} ${why}${via}`, path: normalizePath(path) }
  }
  return undefined
}

function endpointOf (header: string, pino?: Pino): string | undefined {
  if (pino?.method !== undefined && pino.url !== undefined) return `${pino.method} ${normalizePath(pino.url)}`
  const f = FLASK_ENDPOINT.exec(header)
  if (f !== null) return `${f[2] as string} ${normalizePath(f[1] as string)}`
  const r = REQUEST_LINE.exec(header)
  return r === null ? undefined : `${r[1] as string} ${normalizePath(r[2] as string)}`
}

function stackSignature (s: Stack, endpoint: string | undefined): EventSignature {
  const frame = s.frames.length === 0 ? undefined : pickTop(s.frames, s.notInApp, s.innermostLast)
  const where = frame === undefined ? '' : ` in ${frame.fn} (${frame.file})`
  const message = s.message === '' ? '' : `: ${normalize(s.message)}`
  return {
    kind: 'stack',
    key: `stack\u0000${s.type}\u0000${frame?.file ?? ''}\u0000${frame?.fn ?? ''}\u0000${endpoint ?? ''}`,
    template: `${s.type}${message}${where}${endpoint === undefined ? '' : ` [${endpoint}]`}`,
    exceptionType: s.type,
    ...(frame === undefined ? {} : { frame }),
    ...(endpoint === undefined ? {} : { endpoint }),
  }
}

/** The signature of an assembled event (its stored lines, head first). */
export function signatureOf (lines: readonly string[]): EventSignature {
  const head = lines[0] ?? ''
  if (lines.length > 1) {
    const capped = lines.length > MAX_PARSE_LINES ? lines.slice(0, MAX_PARSE_LINES) : lines
    const stack = pythonStack(capped) ?? goStack(capped) ?? jsOrJavaStack(capped)
    if (stack !== undefined) return stackSignature(stack, endpointOf(head))
  } else {
    const pino = pinoOf(head)
    if (pino !== undefined) {
      const stack = jsOrJavaStack((pino.stack as string).split('\n', MAX_PARSE_LINES))
      if (stack !== undefined) {
        if (pino.type !== undefined) stack.type = pino.type
        if (pino.message !== undefined) stack.message = pino.message
        return stackSignature(stack, endpointOf(head, pino))
      }
    }
    const access = accessOf(head)
    if (access !== undefined) return access
  }
  const template = templateOf(head)
  return { kind: 'message', key: `message\u0000${template}`, template }
}
