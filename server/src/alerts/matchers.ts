/**
 * Alertmanager's matcher syntax (`severity="critical"`, `job=~"tovplay.*"`, `instance!="x"`), parsed
 * and matched the way Alertmanager does: a missing label is the empty string, and a regex must match
 * the whole value (it is anchored as `^(?:re)$`). Pure code, shared by the server (which compiles with
 * RE2, Alertmanager's dialect) and the page (which has only the browser's RegExp).
 */

export type MatchOp = '=' | '!=' | '=~' | '!~'
export interface Matcher { name: string, op: MatchOp, value: string }
export interface Tester { test: (s: string) => boolean }
/** Compiles an anchored pattern; throws with a readable message when the pattern is bad. */
export type Compile = (anchored: string) => Tester

export class MatcherError extends Error {
  constructor (readonly input: string, message: string) {
    super(message)
    this.name = 'MatcherError'
  }
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const MAX_VALUE = 1000

function unquote (raw: string, input: string): string {
  if (!raw.startsWith('"')) {
    if (/["\s,{}]/.test(raw)) throw new MatcherError(input, `matcher ${input}: an unquoted value may not hold quotes, spaces, commas or braces; write it in double quotes`)
    return raw
  }
  let out = ''
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i]
    if (c === '"') {
      if (i !== raw.length - 1) throw new MatcherError(input, `matcher ${input}: text after the value's closing quote (escape a quote inside the value as \\")`)
      return out
    }
    if (c !== '\\') { out += c; continue }
    const n = raw[++i]
    if (n === 'n') out += '\n'
    else if (n === '"' || n === '\\') out += n
    else throw new MatcherError(input, `matcher ${input}: unknown escape \\${n ?? ''} in the value (use \\", \\\\ or \\n)`)
  }
  throw new MatcherError(input, `matcher ${input}: the value's closing double quote is missing`)
}

/** One matcher, `name op value`. Throws a MatcherError naming the matcher and what is wrong with it. */
export function parseMatcher (input: string, compile?: Compile): Matcher {
  const text = input.trim()
  const m = /^([^=!~<>\s"]*)\s*([=!~<>]+)\s*(.*)$/s.exec(text)
  if (m === null) throw new MatcherError(input, `matcher ${input}: expected name, an operator (=, !=, =~, !~) and a value, like severity="critical"`)
  const [, name = '', op = '', raw = ''] = m
  if (name === '') throw new MatcherError(input, `matcher ${input}: the label name is empty`)
  if (!NAME.test(name)) throw new MatcherError(input, `matcher ${input}: "${name}" is not a label name (letters, digits and _, not starting with a digit)`)
  if (op !== '=' && op !== '!=' && op !== '=~' && op !== '!~') throw new MatcherError(input, `matcher ${input}: unknown operator "${op}" (use =, !=, =~ or !~)`)
  const value = unquote(raw.trim(), input)
  if (value.length > MAX_VALUE) throw new MatcherError(input, `matcher ${input}: the value is longer than ${MAX_VALUE} characters`)
  const matcher = { name, op, value } satisfies Matcher
  if (compile !== undefined && (op === '=~' || op === '!~')) compileMatcher(matcher, compile, input)
  return matcher
}

/** Several matchers: `{a="1", b=~"x"}` or `a="1",b=~"x"` (commas inside quotes are values). */
export function parseMatchers (input: string, compile?: Compile): Matcher[] {
  let text = input.trim()
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw new MatcherError(input, `matchers ${input}: the closing } is missing`)
    text = text.slice(1, -1)
  }
  const parts: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted && c === '\\') { cur += c + (text[++i] ?? ''); continue }
    if (c === '"') quoted = !quoted
    if (c === ',' && !quoted) { parts.push(cur); cur = ''; continue }
    cur += c
  }
  parts.push(cur)
  const out = parts.map((p) => p.trim()).filter((p) => p !== '').map((p) => parseMatcher(p, compile))
  if (out.length === 0) throw new MatcherError(input, 'a filter must hold at least one matcher, like alertname="TargetDown"')
  return out
}

const testers = new WeakMap<Matcher, Tester>()

function compileMatcher (m: Matcher, compile: Compile, input = `${m.name}${m.op}"${m.value}"`): Tester {
  let t = testers.get(m)
  if (t !== undefined) return t
  try {
    t = compile(`^(?:${m.value})$`)
  } catch (err) {
    throw new MatcherError(input, `matcher ${input}: the regular expression is not valid: ${(err as Error).message}`)
  }
  testers.set(m, t)
  return t
}

/** Whether one label set satisfies one matcher; a missing label is "". */
export function matches (m: Matcher, labels: Record<string, string>, compile: Compile): boolean {
  const v = labels[m.name] ?? ''
  switch (m.op) {
    case '=': return v === m.value
    case '!=': return v !== m.value
    case '=~': return compileMatcher(m, compile).test(v)
    case '!~': return !compileMatcher(m, compile).test(v)
  }
}

export const matchesAll = (ms: readonly Matcher[], labels: Record<string, string>, compile: Compile): boolean =>
  ms.every((m) => matches(m, labels, compile))

/** Alertmanager refuses a silence whose matchers all match the empty label set: it would mute everything. */
export const matchesEmpty = (ms: readonly Matcher[], compile: Compile): boolean => matchesAll(ms, {}, compile)

export function formatMatcher (m: Matcher): string {
  return `${m.name}${m.op}"${m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

/** Free text over every label and annotation value (and label names), case-insensitive. */
export function textMatches (needle: string, labels: Record<string, string>, annotations: Record<string, string>): boolean {
  const n = needle.toLowerCase()
  if (n === '') return true
  for (const [k, v] of Object.entries(labels)) if (k.toLowerCase().includes(n) || v.toLowerCase().includes(n)) return true
  for (const v of Object.values(annotations)) if (v.toLowerCase().includes(n)) return true
  return false
}
