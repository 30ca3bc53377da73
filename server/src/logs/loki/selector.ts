/**
 * LOKI_SELECTOR is checked once at start: a stream selector with label matchers
 * only, at least one of which cannot match the empty string (Loki's own rule),
 * regexes valid in RE2. A bad value stops the start with a message naming it.
 */
import RE2 from 're2'
import { ConfigError } from '../../config.js'
import { LogQueryError } from '../source.js'
import { quoteLogql } from './logql.js'

export interface SelectorMatcher { name: string, op: '=' | '!=' | '=~' | '!~', value: string }

const MATCHER = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\\n]|\\.)*"|`[^`]*`)\s*(,|\})/y

function unquote (lit: string): string {
  if (lit.startsWith('`')) return lit.slice(1, -1)
  try {
    return JSON.parse(lit.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string
  } catch {
    throw new ConfigError('LOKI_SELECTOR', `the value ${lit} is not a valid quoted string`)
  }
}

export function parseSelector (raw: string): SelectorMatcher[] {
  const s = raw.trim()
  if (!s.startsWith('{')) throw new ConfigError('LOKI_SELECTOR', `expected a stream selector like {job=~".+"}, got "${s.slice(0, 80)}"`)
  const matchers: SelectorMatcher[] = []
  MATCHER.lastIndex = 1
  for (;;) {
    const at = MATCHER.lastIndex
    const m = MATCHER.exec(s)
    if (m === null) throw new ConfigError('LOKI_SELECTOR', `expected label="value" at character ${at + 1} of ${s.slice(0, 80)}`)
    const matcher = { name: m[1] as string, op: m[2] as SelectorMatcher['op'], value: unquote(m[3] as string) }
    if (matcher.op === '=~' || matcher.op === '!~') {
      try {
        new RE2(matcher.value) // eslint-disable-line no-new
      } catch (err) {
        throw new ConfigError('LOKI_SELECTOR', `the regex for ${matcher.name} is invalid: ${(err as Error).message}`)
      }
    }
    matchers.push(matcher)
    if (m[4] === '}') break
  }
  if (MATCHER.lastIndex !== s.length) throw new ConfigError('LOKI_SELECTOR', 'only a stream selector is allowed: put line filters in the search, not in LOKI_SELECTOR')
  const nonEmpty = matchers.some((m) => (m.op === '=' && m.value !== '') || (m.op === '=~' && !new RE2(`^(?:${m.value})$`).test('')))
  if (!nonEmpty) throw new ConfigError('LOKI_SELECTOR', 'needs at least one matcher that cannot match an empty value, e.g. {job=~".+"} (Loki refuses the query otherwise)')
  return matchers
}

/** The selector in canonical form, so equal selectors give equal cache keys. */
export function normalizeSelector (raw: string): string {
  return '{' + parseSelector(raw).map((m) => `${m.name}${m.op}${quoteLogql(m.value)}`).join(', ') + '}'
}

/**
 * The configured selector narrowed to one stream: its matchers ANDed with `name="value"` for
 * each label (so a stream outside LOKI_SELECTOR is never read). Names must be label names.
 */
export function streamSelector (configured: string, labels: Record<string, string>): string {
  const matchers = parseSelector(configured).map((m) => `${m.name}${m.op}${quoteLogql(m.value)}`)
  for (const [name, value] of Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new LogQueryError(`"${name}" is not a label name`, 400)
    const m = `${name}=${quoteLogql(value)}`
    if (!matchers.includes(m)) matchers.push(m)
  }
  return '{' + matchers.join(', ') + '}'
}
