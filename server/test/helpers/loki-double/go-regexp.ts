/**
 * Line-filter and label regexes as Loki compiles them: with Go's regexp/syntax, not C++ RE2.
 * The double matches with RE2 (node `re2`), so it first refuses what Go refuses and RE2
 * accepts, then words RE2's other refusals the way Go's regexp does
 * ("error parsing regexp: <code>: `<expr>`").
 *
 * Go/RE2 differences verified here (Go's regexp/syntax parse.go against node re2, which is C++
 * RE2 behind a translation of some JavaScript escapes):
 * - `\C` (any byte): RE2 accepts it; Go refuses, "invalid escape sequence: `\C`".
 *   Measured on Loki 2.8.0: 500 "invalid escape sequence: \C".
 * - `(?<name>re)`: RE2 accepts it; Go before 1.22 refuses, "invalid or unsupported Perl syntax: `(?<`".
 *   Measured on Loki 2.8.0 (Go 1.20). grafana/loki:2.9.10 is built with golang:1.22.5
 *   (cmd/loki/Dockerfile at v2.9.10), so it accepts them; 3.0.0 (golang:1.21.9) does not.
 * - `\uXXXX`, `\u{…}`, `\cX`: node re2 accepts them (JavaScript escapes); Go has no such
 *   escapes, "invalid escape sequence: `\u`" / "`\c`".
 * - Capturing groups nested 1,000 deep: RE2 accepts them; Go (since 1.19.2, maxHeight 1000)
 *   refuses the whole expression, "expression nests too deeply".
 * - Both refuse, with other words: a repeat count over 1000, also as a product of nested
 *   repeats (Go "invalid repeat count"), `a++` (Go "invalid nested repetition operator"),
 *   `\Z`, `\1`, lookaround, `(?'n'…)`.
 * - Both accept `\Q…\E` (literal text, to the end without `\E`), `\pN`, `\z`, `(?P<name>…)`, `(?i)`.
 */
import RE2 from 're2'

/** Go's wording of RE2's error codes (re2/regexp.cc → regexp/syntax ErrorCode). */
const GO_WORDS: Array<[RegExp, string]> = [
  [/^missing \): (.*)$/s, 'missing closing )'],
  [/^unexpected \): (.*)$/s, 'unexpected )'],
  [/^missing \]: (.*)$/s, 'missing closing ]'],
  [/^no argument for repetition operator: (.*)$/s, 'missing argument to repetition operator'],
  [/^bad repetition operator: (.*)$/s, 'invalid nested repetition operator'],
  [/^invalid repetition size: (.*)$/s, 'invalid repeat count'],
  [/^invalid perl operator: (.*)$/s, 'invalid or unsupported Perl syntax'],
  [/^invalid character class range: (.*)$/s, 'invalid character class range'],
  [/^invalid character class: (.*)$/s, 'invalid character class'],
  [/^invalid escape sequence: (.*)$/s, 'invalid escape sequence'],
  [/^invalid named capture group: (.*)$/s, 'invalid named capture'],
  [/^duplicate capture group name: (.*)$/s, 'duplicate capture group name'],
]

const goError = (code: string, expr: string) => `error parsing regexp: ${code}: \`${expr}\``

/** go1.21.9 → [1, 21]; anything unreadable counts as old (stricter). */
function goMinor (goVersion: string): number {
  const m = /^go1\.(\d+)/.exec(goVersion)
  return m === null ? 0 : Number(m[1])
}

/** What Go's regexp.Compile says about `pattern` that RE2 would not say, or undefined. */
function goOnlyRefusal (pattern: string, goVersion: string): string | undefined {
  let depth = 0
  let maxDepth = 0
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '(') {
      if (pattern.startsWith('(?<', i) && goMinor(goVersion) < 22) return goError('invalid or unsupported Perl syntax', '(?<')
      if (pattern[i + 1] !== '?' || pattern.startsWith('(?P<', i) || pattern.startsWith('(?<', i)) maxDepth = Math.max(maxDepth, ++depth)
      continue
    }
    if (c === ')') { depth = Math.max(0, depth - 1); continue }
    if (c === '[') {
      // A class: skip to its closing ] (a ] right after [ or [^ is literal), checking escapes.
      let j = i + 1
      if (pattern[j] === '^') j++
      if (pattern[j] === ']') j++
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        if (pattern[j] === '[' && pattern[j + 1] === ':') { const end = pattern.indexOf(':]', j + 2); if (end > 0) j = end + 1; continue }
        if (pattern[j] !== '\\') continue
        const e = pattern[j + 1]
        if (e === 'C' || e === 'c' || e === 'u') return goError('invalid escape sequence', '\\' + e)
        j++
      }
      i = j
      continue
    }
    if (c !== '\\') continue
    const n = pattern[i + 1]
    if (n === 'Q') {
      // \Q…\E is literal text in both, up to \E or the end.
      const end = pattern.indexOf('\\E', i + 2)
      if (end < 0) break
      i = end + 1
      continue
    }
    if (n === 'C' || n === 'c' || n === 'u') return goError('invalid escape sequence', '\\' + n)
    i++
  }
  // Go's parse tree may be at most 1000 high; each capturing group adds a level.
  if (maxDepth >= 1000) return goError('expression nests too deeply', pattern)
  return undefined
}

export class GoRegexpError extends Error {}

/** Compiles as Loki would: throws GoRegexpError with Go's message ("error parsing regexp: …"). */
export function compileGoRegexp (pattern: string, goVersion: string, wrap: (p: string) => string = (p) => p): RE2 {
  const refusal = goOnlyRefusal(pattern, goVersion)
  if (refusal !== undefined) throw new GoRegexpError(refusal)
  try {
    return new RE2(wrap(pattern))
  } catch (err) {
    const msg = (err as Error).message
    for (const [re, code] of GO_WORDS) {
      const m = re.exec(msg)
      if (m !== null) throw new GoRegexpError(goError(code, m[1] as string))
    }
    if (msg.startsWith('trailing \\')) throw new GoRegexpError(goError('trailing backslash at end of expression', ''))
    throw new GoRegexpError(`error parsing regexp: ${msg}`)
  }
}

/** Go's strconv.Quote for the ASCII and printable text the double sees (Loki prints filters with it). */
export function goQuote (s: string): string {
  const esc: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"' }
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0) as number
    if (esc[ch] !== undefined) out += esc[ch]
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}
