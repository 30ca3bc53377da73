import RE2 from 're2'
import { escapeRegexText, wellFormed } from './text.js'
import type { LineFilter } from './source.js'

/** The longest search a user may send (characters, before trimming). */
export const MAX_QUERY_LENGTH = 1000

/** A search refused before anything is sent to a log source; the route answers 400 with it. */
export class SearchError extends Error {
  readonly statusCode = 400
  readonly field = 'q'
  constructor (message: string) {
    super(message)
    this.name = 'SearchError'
  }
}

// Constructs RE2 refuses with terse messages ("invalid perl operator: (?="); say what they are.
// And constructs C++ RE2 (node-re2) accepts but Loki, which compiles with Go's regexp, refuses
// with a 500: \C ("invalid escape sequence: \C") and, before Go 1.22, (?<name>...)
// ("invalid or unsupported Perl syntax"); node-re2 also quietly translates \u and \c.
const UNSUPPORTED: Array<[RegExp, string]> = [
  [/\\C/, 'Loki compiles regexes with Go\'s regexp, which refuses \\C (any single byte): use . instead'],
  [/\(\?=/, 'RE2 does not support lookahead (?=...); match the text itself instead'],
  [/\(\?!/, 'RE2 does not support negative lookahead (?!...); search for what you want, not what you do not want'],
  [/\(\?<[=!]/, 'RE2 does not support lookbehind (?<=...) or (?<!...)'],
  [/\\[1-9]|\\k</, 'RE2 does not support backreferences such as \\1 or \\k<name>'],
  [/\(\?<[A-Za-z_]/, 'the Perl named group (?<name>...) is refused by Loki (Go\'s regexp before Go 1.22): write (?P<name>...)'],
  [/\\[uU]/, 'write Unicode escapes as \\x{00e9}: RE2 (and Loki) do not understand \\u00e9'],
  [/\\c[A-Za-z]/, 'RE2 does not support control escapes such as \\cA'],
]

/**
 * Why RE2 (and so Loki, which uses Go's RE2 dialect) would refuse a pattern, or
 * undefined when it compiles. node-re2 quietly translates a few JavaScript-only forms
 * that Loki would reject; those are refused here too, so what passes here passes there.
 */
export function re2Problem (pattern: string, flags = ''): string | undefined {
  // Skip escaped backslashes so "\\1" (a literal backslash then 1) is not taken for a backreference.
  const unescaped = pattern.replace(/\\\\/g, '')
  for (const [re, message] of UNSUPPORTED) if (re.test(unescaped)) return message
  try {
    // eslint-disable-next-line no-new
    new RE2(pattern, flags)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

/**
 * Parses the user's search `q` (issue #2, "LogQL and RE2-safe filters"):
 * - empty or missing: no filter;
 * - plain text: matched as written, case-sensitively, like Grafana's "line contains"
 *   (Loki: `|= "escaped text"`);
 * - `/pattern/`: an RE2 regex, case-sensitive (Loki: `|~`);
 * - `/pattern/i`: the same, case-insensitive, written in the form the Loki in use
 *   accepts (`(?i)` or letter classes, LOKI_CASE_INSENSITIVE). To find any spelling of
 *   a text (error, Error, ERROR), search `/error/i`; the dashboard's "match case" switch
 *   sends exactly that.
 * Lone UTF-16 surrogates, which no UTF-8 log line holds, become U+FFFD here, as in the
 * LogQL literal, so the file source and Loki search for the same text.
 * Throws SearchError (400, field q) with a message that says what is wrong.
 */
export function parseSearch (q: string | undefined): LineFilter | undefined {
  if (q === undefined) return undefined
  if (q.length > MAX_QUERY_LENGTH) {
    throw new SearchError(`the search is ${q.length} characters long; the limit is ${MAX_QUERY_LENGTH}`)
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(q)
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0')
    throw new SearchError(`the search contains a control character (U+00${code.toUpperCase()}); log lines are searched one line at a time`)
  }
  const trimmed = wellFormed(q.trim())
  if (trimmed === '') return undefined

  const regex = /^\/(.*)\/([a-z]*)$/s.exec(trimmed)
  if (regex === null) return { kind: 'text', text: trimmed, caseInsensitive: false }

  const [, pattern = '', flags = ''] = regex
  if (flags !== '' && flags !== 'i') {
    throw new SearchError(`unsupported regex flag "${flags.replace('i', '')}"; only /pattern/i (case-insensitive) is supported`)
  }
  if (pattern === '') throw new SearchError('the regex between the slashes is empty')
  const problem = re2Problem(pattern, flags)
  if (problem !== undefined) throw new SearchError(`invalid regex /${pattern}/: ${problem}`)
  return { kind: 'regex', pattern, caseInsensitive: flags === 'i' }
}

/**
 * A compiled matcher for a LineFilter (used by sources that filter locally, e.g. files).
 * It matches what Loki matches for the LogQL built from the same filter: text is a
 * plain substring (`|=`); anything case-insensitive goes through RE2's `i` flag, which
 * folds case as Go's RE2 (and so Loki's `(?i)` or letter classes) does.
 */
export function lineMatcher (filter: LineFilter | undefined): (line: string) => boolean {
  if (filter === undefined) return () => true
  if (filter.kind === 'text' && !filter.caseInsensitive) return (line) => line.includes(filter.text)
  const pattern = filter.kind === 'regex' ? filter.pattern : escapeRegexText(filter.text)
  const re = new RE2(pattern, filter.caseInsensitive ? 'i' : '')
  return (line) => re.test(line)
}
