import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import RE2 from 're2'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RULES_FILE, loadRules, parseRules, RulesError } from '../../src/errors/rules.js'

const shipped = loadRules()

// Every example in rules/noise.yml is a test of its own: editing a rule is tested.
describe.each(shipped.rules.map((r) => [r.id, r] as const))('rule %s', (_id, rule) => {
  const re = new RE2(rule.pattern)
  it.each(rule.examples.match)('matches %j', (line) => {
    expect(re.test(line)).toBe(true)
  })
  it.each(rule.examples.noMatch)('does not match %j', (line) => {
    expect(re.test(line)).toBe(false)
  })
})

describe('shipped rules file', () => {
  it('has at least 60 noise rules and rules for every severity', () => {
    const by = (c: string) => shipped.rules.filter((r) => r.category === c).length
    expect(by('noise')).toBeGreaterThanOrEqual(60)
    for (const sev of ['critical', 'high', 'medium', 'low']) expect(by(sev)).toBeGreaterThan(0)
  })

  it('gives every rule at least one match and one no_match example', () => {
    for (const r of shipped.rules) {
      expect(r.examples.match.length, r.id).toBeGreaterThan(0)
      expect(r.examples.noMatch.length, r.id).toBeGreaterThan(0)
    }
  })

  it('covers the severities field note 1 and the issue name', () => {
    const ids = shipped.rules.map((r) => r.id)
    expect(ids).toEqual(expect.arrayContaining(['crit-database-missing', 'crit-fatal', 'crit-too-many-clients', 'crit-out-of-memory', 'crit-panic', 'high-exception', 'high-traceback', 'high-http-5xx', 'high-error-level-json']))
  })

  it('is at the path the plugin loads by default', () => {
    expect(path.basename(DEFAULT_RULES_FILE)).toBe('noise.yml')
    expect(fs.existsSync(DEFAULT_RULES_FILE)).toBe(true)
  })
})

const good = (extra = '') => `
noise:
  - id: n1
    pattern: 'x'
    examples: { match: ['x'], no_match: ['y'] }
${extra}
severity:
  critical:
    - id: c1
      pattern: 'FATAL'
      examples: { match: ['FATAL'], no_match: ['fine'] }
`

describe('loading a rules file', () => {
  it('accepts a valid file', () => {
    expect(parseRules(good(), 'r.yml').rules.map((r) => r.id)).toEqual(['n1', 'c1'])
  })

  it('refuses a bad regex, naming the file and the rule id', () => {
    const text = good(`  - id: broken-one
    pattern: 'status=(5\\d\\d'
    examples: { match: ['a'], no_match: ['b'] }`)
    expect(() => parseRules(text, '/etc/r.yml')).toThrow(RulesError)
    expect(() => parseRules(text, '/etc/r.yml')).toThrow(/\/etc\/r\.yml.*"broken-one".*missing \)/)
  })

  it('refuses lookahead with a message that says RE2 cannot do it', () => {
    const text = good(`  - id: look
    pattern: 'a(?=b)'
    examples: { match: ['ab'], no_match: ['b'] }`)
    expect(() => parseRules(text, 'r.yml')).toThrow(/"look".*lookahead/)
  })

  it('refuses duplicate ids', () => {
    const text = good(`  - id: n1
    pattern: 'z'
    examples: { match: ['z'], no_match: ['y'] }`)
    expect(() => parseRules(text, 'r.yml')).toThrow(/duplicate rule id "n1"/)
  })

  it('refuses a rule without match or no_match examples', () => {
    const noMatchMissing = good(`  - id: lonely
    pattern: 'z'
    examples: { match: ['z'] }`)
    expect(() => parseRules(noMatchMissing, 'r.yml')).toThrow(/"lonely".*no_match must list at least one/)
    const matchEmpty = good(`  - id: lonely
    pattern: 'z'
    examples: { match: [], no_match: ['y'] }`)
    expect(() => parseRules(matchEmpty, 'r.yml')).toThrow(/"lonely".*examples\.match must list at least one/)
  })

  it('refuses inline flags, which some Loki versions reject', () => {
    const text = good(`  - id: flags
    pattern: '(?i)error'
    examples: { match: ['error'], no_match: ['y'] }`)
    expect(() => parseRules(text, 'r.yml')).toThrow(/"flags".*inline flags/)
  })

  it('refuses unknown keys and unknown severities', () => {
    expect(() => parseRules(good(`  - id: typo
    pattern: 'z'
    exmaples: { match: ['z'], no_match: ['y'] }`), 'r.yml')).toThrow(/"typo".*unknown key "exmaples"/)
    expect(() => parseRules('noise: []\nseverity:\n  urgent: []\n', 'r.yml')).toThrow(/unknown severity "urgent"/)
  })

  it('says which file it cannot read', () => {
    const missing = path.join(os.tmpdir(), 'no-such-rules.yml')
    expect(() => loadRules(missing)).toThrow(new RegExp(`${missing}: cannot read`))
  })
})
