/**
 * Builds LogQL from validated input. User text only ever lands inside a string
 * literal that this module quotes, so it cannot close the literal, add a stage or
 * touch the selector (which comes from config and is checked once at start).
 */
import type { LineFilter } from '../source.js'
import { escapeRegexText, wellFormed } from '../text.js'
import { caseFoldRegex, stripOuterWildcards } from './regex-case.js'

/** How a case-insensitive match is written: `(?i)` inline, or `[eE][rR]...` classes that any Loki accepts. */
export type CaseStrategy = 'inline' | 'alternation'

/**
 * A Go double-quoted string literal (Loki unquotes with strconv.Unquote). Control
 * characters become \xNN; lone surrogates, which UTF-8 logs cannot contain, become U+FFFD.
 */

export function quoteLogql (value: string): string {
  let out = '"'
  for (const ch of wellFormed(value)) {
    const code = ch.codePointAt(0) as number
    if (ch === '\\') out += '\\\\'
    else if (ch === '"') out += '\\"'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}

/**
 * Regexes read better raw (`a\.b` rather than "a\\.b"). A backtick literal has no
 * escapes at all, so it is used only when the pattern holds no backtick and no
 * control character; everything else is double-quoted.
 */
export function quoteRegex (pattern: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[^`\x00-\x1f\x7f]*$/.test(pattern) && pattern.includes('\\') && wellFormed(pattern) === pattern
    ? '`' + pattern + '`'
    : quoteLogql(pattern)
}

export function caseInsensitiveRegex (pattern: string, strategy: CaseStrategy): string {
  // loki#7837: (?i) with a leading or trailing .* matched only upper case; line filters are unanchored anyway.
  return strategy === 'inline' ? '(?i)' + stripOuterWildcards(pattern) : caseFoldRegex(pattern, true)
}

/** A pattern from the error feed (may carry its own `(?i)`), made acceptable to this Loki. */
function portable (pattern: string, strategy: CaseStrategy): string {
  return strategy === 'inline' ? pattern : caseFoldRegex(pattern, false)
}

export interface LogQueryParts {
  selector: string
  filter?: LineFilter | undefined
  include?: string | undefined
  exclude?: string | undefined
  strategy: CaseStrategy
}

/** The pipeline after the selector: the user's filter first (cheapest), then include, then exclude. */
export function buildPipeline (p: Omit<LogQueryParts, 'selector'>): string {
  const stages: string[] = []
  const f = p.filter
  if (f !== undefined) {
    if (f.kind === 'text' && f.text !== '') {
      stages.push(f.caseInsensitive
        ? `|~ ${quoteRegex(caseInsensitiveRegex(escapeRegexText(f.text), p.strategy))}`
        : `|= ${quoteLogql(f.text)}`)
    } else if (f.kind === 'regex' && f.pattern !== '') {
      stages.push(`|~ ${quoteRegex(f.caseInsensitive ? caseInsensitiveRegex(f.pattern, p.strategy) : portable(f.pattern, p.strategy))}`)
    }
  }
  if (p.include !== undefined && p.include !== '') stages.push(`|~ ${quoteRegex(portable(p.include, p.strategy))}`)
  if (p.exclude !== undefined && p.exclude !== '') stages.push(`!~ ${quoteRegex(portable(p.exclude, p.strategy))}`)
  return stages.join(' ')
}

export function buildLogQuery (p: LogQueryParts): string {
  const pipeline = buildPipeline(p)
  return pipeline === '' ? p.selector : `${p.selector} ${pipeline}`
}

/** Lines per step, exact whatever the line limit: `sum(count_over_time(<log query> [<step>s]))`. */
export function buildCountQuery (p: LogQueryParts, stepSeconds: number): string {
  return `sum(count_over_time(${buildLogQuery(p)} [${Math.max(1, Math.round(stepSeconds))}s]))`
}
