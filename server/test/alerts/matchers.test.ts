import { describe, expect, it } from 'vitest'
import { re2Compile } from '../../src/alerts/alert-filter.js'
import { formatMatcher, matches, matchesAll, matchesEmpty, MatcherError, parseMatcher, parseMatchers, textMatches } from '../../src/alerts/matchers.js'

const one = (s: string) => parseMatcher(s, re2Compile)
const err = (s: string) => { try { parseMatchers(s, re2Compile) } catch (e) { return e as MatcherError } throw new Error(`${s} parsed`) }

describe('Alertmanager matchers', () => {
  it('parses the four operators, quoted and unquoted values, and escapes', () => {
    expect(one('severity="critical"')).toEqual({ name: 'severity', op: '=', value: 'critical' })
    expect(one('instance != x')).toEqual({ name: 'instance', op: '!=', value: 'x' })
    expect(one('job=~"tovplay.*"')).toEqual({ name: 'job', op: '=~', value: 'tovplay.*' })
    expect(one('job!~"a|b"')).toEqual({ name: 'job', op: '!~', value: 'a|b' })
    expect(one('msg="say \\"hi\\", \\\\ ok"').value).toBe('say "hi", \\ ok')
    expect(parseMatchers('{a="1, 2", b=~"x"}').map(formatMatcher)).toEqual(['a="1, 2"', 'b=~"x"'])
  })

  it('anchors regexes like Alertmanager: the whole value must match; a missing label is ""', () => {
    const labels = { job: 'tovplay-api', severity: 'critical' }
    expect(matches(one('job=~"tovplay"'), labels, re2Compile)).toBe(false)
    expect(matches(one('job=~"tovplay.*"'), labels, re2Compile)).toBe(true)
    expect(matches(one('job=~"api|tovplay-api"'), labels, re2Compile)).toBe(true)
    expect(matches(one('team=""'), labels, re2Compile)).toBe(true)
    expect(matches(one('team!="db"'), labels, re2Compile)).toBe(true)
    expect(matchesAll(parseMatchers('severity="critical",job!~"x.*"'), labels, re2Compile)).toBe(true)
    expect(matchesEmpty(parseMatchers('team=~".*"'), re2Compile)).toBe(true)
    expect(matchesEmpty(parseMatchers('team=~".+"'), re2Compile)).toBe(false)
  })

  it('refuses bad regexes, unknown operators, empty or bad names, and broken quotes, naming the matcher', () => {
    expect(err('job=~"(unclosed"').message).toMatch(/job=~"\(unclosed".*regular expression is not valid/)
    expect(err('job=~"(?=lookahead)"').message).toMatch(/not valid/)
    expect(err('severity=="critical"').message).toMatch(/severity=="critical".*unknown operator "=="/)
    expect(err('severity~="x"').message).toMatch(/unknown operator "~="/)
    expect(err('="critical"').message).toMatch(/label name is empty/)
    expect(err('1abc="x"').message).toMatch(/"1abc" is not a label name/)
    expect(err('a="x').message).toMatch(/closing double quote is missing/)
    expect(err('a="x"y"').message).toMatch(/after the value's closing quote/)
    expect(err('critical').message).toMatch(/expected name, an operator/)
    expect(err('{}').message).toMatch(/at least one matcher/)
    expect(err('a=b c').message).toMatch(/unquoted value/)
  })

  it('free text looks at label names, values and annotations, ignoring case', () => {
    expect(textMatches('disk', { alertname: 'DiskFull' }, {})).toBe(true)
    expect(textMatches('RUNBOOK', {}, { description: 'see the runbook' })).toBe(true)
    expect(textMatches('zzz', { a: 'b' }, { c: 'd' })).toBe(false)
  })
})
