import RE2 from 're2'
import { describe, expect, it } from 'vitest'
import { lineMatcher, MAX_QUERY_LENGTH, parseSearch, re2Problem, SearchError } from '../../src/logs/filter.js'

function refusal (q: string): SearchError {
  try {
    parseSearch(q)
  } catch (err) {
    expect(err).toBeInstanceOf(SearchError)
    return err as SearchError
  }
  throw new Error(`expected ${JSON.stringify(q)} to be refused`)
}

describe('parseSearch', () => {
  it('refuses what Go\'s regexp (Loki) refuses though C++ RE2 accepts it, naming the construct, before anything is sent', () => {
    expect(() => parseSearch('/a\\Cb/')).toThrow(/\\C \(any single byte\)/)
    expect(() => parseSearch('/(?<user>\\w+)/')).toThrow(/Perl named group \(\?<name>\.\.\.\).*write \(\?P<name>\.\.\.\)/)
    expect(() => parseSearch('/\\u00e9/')).toThrow(/\\x\{00e9\}/)
    // What Go accepts stays accepted: an escaped backslash before C, Go's own named group.
    expect(parseSearch('/a\\\\Cb/')).toEqual({ kind: 'regex', pattern: 'a\\\\Cb', caseInsensitive: false })
    expect(parseSearch('/(?P<user>\\w+)/')).toMatchObject({ kind: 'regex' })
  })

  it('has no filter for a missing or blank search', () => {
    expect(parseSearch(undefined)).toBeUndefined()
    expect(parseSearch('')).toBeUndefined()
    expect(parseSearch('   ')).toBeUndefined()
  })

  it('treats plain text as a case-sensitive text search (trimmed), like "line contains"', () => {
    expect(parseSearch('  connection refused ')).toEqual({ kind: 'text', text: 'connection refused', caseInsensitive: false })
    const m = lineMatcher(parseSearch('Error'))
    expect(['Error x', 'an Error', 'Errors'].map(m)).toEqual([true, true, true])
    expect(['ERROR x', 'an error', 'fine'].map(m)).toEqual([false, false, false])
  })

  it('keeps hostile characters as literal text (the LogQL builder escapes them)', () => {
    for (const q of ['"}|= `x` | json', '\\', '{job="x"} |~ ".*"', 'ünïcødé 💥', "it's \"quoted\"", '/not a regex', 'a/b/', '(a+)+$', '[z-a]']) {
      expect(parseSearch(q)).toEqual({ kind: 'text', text: q.trim(), caseInsensitive: false })
      expect(lineMatcher(parseSearch(q))(`x ${q.trim()} y`)).toBe(true)
    }
    // Regex metacharacters in plain text are matched literally.
    expect(lineMatcher(parseSearch('a.c'))('abc')).toBe(false)
    expect(lineMatcher(parseSearch('a.c'))('a.c')).toBe(true)
  })

  it('turns a lone surrogate into U+FFFD, as the LogQL literal does', () => {
    expect(parseSearch('x\ud800y')).toEqual({ kind: 'text', text: 'x\ufffdy', caseInsensitive: false })
    expect(parseSearch('😀')).toEqual({ kind: 'text', text: '😀', caseInsensitive: false })
  })

  it('reads /pattern/ as a case-sensitive RE2 regex and /pattern/i as case-insensitive', () => {
    expect(parseSearch('/err(or)?\\s+\\d+/')).toEqual({ kind: 'regex', pattern: 'err(or)?\\s+\\d+', caseInsensitive: false })
    expect(parseSearch('/timeout/i')).toEqual({ kind: 'regex', pattern: 'timeout', caseInsensitive: true })
    expect(parseSearch(' /a/b/ ')).toEqual({ kind: 'regex', pattern: 'a/b', caseInsensitive: false })
    expect(lineMatcher(parseSearch('/Error/'))('error')).toBe(false)
    expect(lineMatcher(parseSearch('/Error/'))('an Error')).toBe(true)
    expect(lineMatcher(parseSearch('/Error/i'))('ERROR')).toBe(true)
    expect(lineMatcher(parseSearch('/Error/i'))('eRrOr')).toBe(true)
    expect(lineMatcher(parseSearch('/Error/i'))('err')).toBe(false)
  })

  it('matches the "match case" switch\'s /escaped/i as text in any case', () => {
    const escape = (s: string) => s.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&')
    for (const text of ['a.b*c', 'x"y\\z', 'path/to/file', 'Too Many Clients', 'ÉCOLE', '(a+)+$', '[z-a]']) {
      const filter = parseSearch(`/${escape(text)}/i`)
      expect(filter).toMatchObject({ kind: 'regex', caseInsensitive: true })
      const m = lineMatcher(filter)
      expect(m(`--${text.toUpperCase()}--`), text).toBe(true)
      expect(m(`--${text.toLowerCase()}--`), text).toBe(true)
      expect(m('--something else--'), text).toBe(false)
    }
  })

  it('allows a regex that matches everything (harmless, if useless)', () => {
    expect(parseSearch('/.*/')).toEqual({ kind: 'regex', pattern: '.*', caseInsensitive: false })
  })

  it('refuses an invalid regex with RE2\'s own reason', () => {
    const err = refusal('/(unclosed/')
    expect(err.statusCode).toBe(400)
    expect(err.field).toBe('q')
    expect(err.message).toBe('invalid regex /(unclosed/: missing ): (unclosed')
    expect(refusal('/[z-a]/').message).toContain('invalid character class range')
    expect(refusal('/x**/').message).toContain('bad repetition operator')
  })

  it('refuses lookaround and backreferences with a clear message', () => {
    expect(refusal('/foo(?=bar)/').message).toContain('RE2 does not support lookahead')
    expect(refusal('/foo(?!bar)/').message).toContain('RE2 does not support negative lookahead')
    expect(refusal('/(?<=a)b/').message).toContain('RE2 does not support lookbehind')
    expect(refusal('/(a)\\1/').message).toContain('RE2 does not support backreferences')
    // An escaped backslash followed by a digit is not a backreference.
    expect(parseSearch('/C:\\\\1/')).toMatchObject({ kind: 'regex' })
  })

  it('refuses JavaScript-only syntax that Loki\'s Go RE2 would reject', () => {
    expect(refusal('/(?<name>x)/').message).toContain('(?P<name>...)')
    expect(refusal('/\\u00e9/').message).toContain('\\x{00e9}')
    expect(parseSearch('/(?P<name>x)\\x{00e9}/')).toMatchObject({ kind: 'regex' })
  })

  it('refuses unknown flags and an empty regex', () => {
    expect(refusal('/x/g').message).toContain('unsupported regex flag "g"')
    expect(refusal('//').message).toContain('empty')
  })

  it('accepts catastrophic-backtracking patterns, which RE2 runs in linear time', () => {
    const filter = parseSearch('/(a+)+$/')
    expect(filter).toEqual({ kind: 'regex', pattern: '(a+)+$', caseInsensitive: false })
    const adversarial = 'a'.repeat(100_000) + '!'
    const t = performance.now()
    expect(lineMatcher(filter)(adversarial)).toBe(false)
    expect(lineMatcher(parseSearch('/(x+x+)+y/'))('x'.repeat(100_000))).toBe(false)
    expect(lineMatcher(parseSearch('/(.*a){20}/'))('a'.repeat(5_000))).toBe(true)
    // A backtracking engine would need ~2^100000 steps for the first one.
    expect(performance.now() - t).toBeLessThan(1000)
  })

  it(`refuses a search over ${MAX_QUERY_LENGTH} characters`, () => {
    expect(MAX_QUERY_LENGTH).toBe(1000)
    expect(parseSearch('a'.repeat(1000))).toMatchObject({ kind: 'text' })
    expect(refusal('a'.repeat(1001)).message).toBe('the search is 1001 characters long; the limit is 1000')
  })

  it('refuses control characters, newlines included', () => {
    expect(refusal('error\n|= "x"').message).toContain('control character (U+000A)')
    expect(refusal('a\u0000b').message).toContain('U+0000')
    expect(refusal('tab\there').message).toContain('U+0009')
  })
})

describe('re2Problem', () => {
  it('is undefined for what RE2 compiles and names the problem otherwise', () => {
    expect(re2Problem('a|b')).toBeUndefined()
    expect(re2Problem('(a')).toBe('missing ): (a')
    expect(() => new RE2('(a')).toThrow()
  })
})
