/**
 * Metric names used by a PromQL expression (Grafana panel targets and variables, alert
 * rules). A small lexer, not a full parser: it only has to tell metric names apart from
 * functions, keywords, label names, label values, durations and Grafana variables.
 *
 * - an identifier followed by "(" (or by "by (...)"/"without (...)") is a function or
 *   aggregation, never a metric;
 * - "by", "without", "on", "ignoring", "group_left", "group_right" lists hold label names;
 * - {...} holds label matchers (a {__name__="x"} matcher names metric x), [...] a range;
 * - strings, numbers, durations and $variables / ${variables} / [[variables]] are skipped;
 * - Grafana's label_values(metric, label) names a metric in its first argument only.
 */

type Token = { kind: 'ident' | 'call' | 'punct', text: string }

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'atan2', 'inf', 'nan'])
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])
const IDENT_START = /[A-Za-z_:]/
const IDENT_PART = /[A-Za-z0-9_:]/

export class PromqlLexError extends Error {}

function skipString (s: string, i: number): number {
  const quote = s[i]
  let j = i + 1
  while (j < s.length && s[j] !== quote) j += s[j] === '\\' && quote !== '`' ? 2 : 1
  if (j >= s.length) throw new PromqlLexError(`unterminated string starting at ${i}: ${s.slice(i, i + 30)}`)
  return j + 1
}

/** Reads one {...} matcher block; returns the end index and a __name__ matcher's value, if any. */
function readMatchers (s: string, i: number): { end: number, names: string[] } {
  const names: string[] = []
  let j = i + 1
  while (j < s.length && s[j] !== '}') {
    if (s[j] === '"' || s[j] === "'" || s[j] === '`') { j = skipString(s, j); continue }
    const m = /^__name__\s*=\s*(["'`])([A-Za-z_:][A-Za-z0-9_:]*)\1/.exec(s.slice(j))
    if (m !== null) { names.push(m[2] as string); j += m[0].length; continue }
    j++
  }
  if (j >= s.length) throw new PromqlLexError(`unclosed { starting at ${i}`)
  return { end: j + 1, names }
}

export function lex (expr: string): { tokens: Token[], nameMatchers: string[] } {
  const tokens: Token[] = []
  const nameMatchers: string[] = []
  const s = expr
  let i = 0
  while (i < s.length) {
    const c = s[i] as string
    if (/\s/.test(c)) { i++; continue }
    if (c === '#') { while (i < s.length && s[i] !== '\n') i++; continue }
    if (c === '"' || c === "'" || c === '`') { i = skipString(s, i); continue }
    if (c === '{') { const r = readMatchers(s, i); nameMatchers.push(...r.names); i = r.end; continue }
    if (c === '[') {
      // A range, a subquery step or a Grafana [[variable]]: nothing in it names a metric.
      let depth = 0
      let j = i
      do { if (s[j] === '[') depth++; else if (s[j] === ']') depth--; j++ } while (j < s.length && depth > 0)
      if (depth > 0) throw new PromqlLexError(`unclosed [ starting at ${i}`)
      i = j
      continue
    }
    if (c === '$') {
      // $__rate_interval, $instance, ${var}, ${var:format}
      if (s[i + 1] === '{') { const j = s.indexOf('}', i); if (j < 0) throw new PromqlLexError(`unclosed \${ at ${i}`); i = j + 1 } else { i++; while (i < s.length && /\w/.test(s[i] as string)) i++ }
      continue
    }
    if (/[0-9.]/.test(c) && (c !== '.' || /[0-9]/.test(s[i + 1] ?? ''))) {
      // Numbers, durations (5m, 1h30m), hex and exponents (1e-9).
      i++
      while (i < s.length && (/[0-9A-Za-z_.]/.test(s[i] as string) || (/[+-]/.test(s[i] as string) && /[eE]/.test(s[i - 1] as string)))) i++
      continue
    }
    if (IDENT_START.test(c)) {
      let j = i + 1
      while (j < s.length && IDENT_PART.test(s[j] as string)) j++
      const text = s.slice(i, j)
      let k = j
      while (k < s.length && /\s/.test(s[k] as string)) k++
      tokens.push({ kind: s[k] === '(' ? 'call' : 'ident', text })
      i = j
      continue
    }
    tokens.push({ kind: 'punct', text: c })
    i++
  }
  return { tokens, nameMatchers }
}

/** The index just past the ")" that closes the "(" at tokens[open]. */
function closing (tokens: Token[], open: number): number {
  let depth = 0
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k] as Token
    if (t.kind === 'punct' && t.text === '(') depth++
    if (t.kind === 'punct' && t.text === ')' && --depth === 0) return k + 1
  }
  throw new PromqlLexError('unbalanced parentheses')
}

export function metricNames (expr: string): string[] {
  const { tokens, nameMatchers } = lex(expr)
  const found = new Set<string>(nameMatchers)
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token
    if (t.kind === 'call' && LABEL_LISTS.has(t.text)) {
      k = closing(tokens, k + 1) - 1
      continue
    }
    if (t.kind === 'call' && t.text === 'label_values') {
      // label_values(label) or label_values(selector, label): the last argument is a label.
      const end = closing(tokens, k + 1)
      let depth = 0
      let lastComma = -1
      for (let m = k + 1; m < end; m++) {
        const u = tokens[m] as Token
        if (u.text === '(' && u.kind === 'punct') depth++
        else if (u.text === ')' && u.kind === 'punct') depth--
        else if (u.text === ',' && depth === 1) lastComma = m
      }
      if (lastComma > 0) for (const n of metricNames(tokensToText(tokens.slice(k + 2, lastComma)))) found.add(n)
      k = end - 1
      continue
    }
    // "sum by (le) (...)": an aggregation whose grouping comes before its parenthesis.
    const next = tokens[k + 1]
    if (t.kind === 'ident' && next?.kind === 'call' && (next.text === 'by' || next.text === 'without')) continue
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) found.add(t.text)
  }
  return [...found].sort()
}

// Only identifiers and punctuation are left in tokens; rebuilding them is enough to re-lex.
function tokensToText (tokens: Token[]): string {
  return tokens.map((t) => t.text).join(' ')
}

const SUFFIXES = ['_bucket', '_sum', '_count'] as const

/** The exported family a sample name belongs to: foo_bucket -> foo when foo is a histogram. */
export function familyOf (name: string, families: Map<string, string>): string | undefined {
  if (families.has(name)) return name
  for (const suffix of SUFFIXES) {
    if (!name.endsWith(suffix)) continue
    const base = name.slice(0, -suffix.length)
    const type = families.get(base)
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base
  }
  return undefined
}

/** Metric families and their types from Prometheus text exposition (# TYPE lines). */
export function familiesOf (exposition: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1] as string, m[2] as string)
  return out
}
