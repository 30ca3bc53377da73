import RE2 from 're2'
import { describe, expect, it } from 'vitest'
import { lineSafe } from '../../src/errors/line-safe.js'
import { loadRules } from '../../src/errors/rules.js'

describe('lineSafe', () => {
  it('keeps every shipped rule equivalent on single lines and unable to match across lines', () => {
    const rules = loadRules().rules
    const lines = rules.flatMap((r) => [...r.examples.match, ...r.examples.noMatch]).filter((l) => !l.includes('\n'))
    for (const r of rules) {
      const safe = lineSafe(r.pattern)
      expect(safe, r.id).toBeDefined()
      const a = new RE2(r.pattern)
      const b = new RE2(safe as string, 'm')
      for (const line of lines) expect(b.test(line), `${r.id} on ${line}`).toBe(a.test(line))
    }
  })

  it('stops negated classes and \\s at a newline', () => {
    expect(new RE2(lineSafe('a[^"]*b') as string, 'm').test('a\nb')).toBe(false)
    expect(new RE2(lineSafe('a\\s+b') as string, 'm').test('a\nb')).toBe(false)
    expect(new RE2(lineSafe('a\\s+b') as string, 'm').test('a \tb')).toBe(true)
    expect(new RE2(lineSafe('a[\\s,]b') as string, 'm').test('a\nb')).toBe(false)
    expect(new RE2(lineSafe('a\\Db') as string, 'm').test('a\nb')).toBe(false)
    expect(new RE2(lineSafe('a[^]x]b') as string, 'm').test('a\nb')).toBe(false)
  })

  it('refuses patterns it cannot make safe', () => {
    expect(lineSafe('a\\nb')).toBeUndefined()
    expect(lineSafe('\\Aa')).toBeUndefined()
    expect(lineSafe('(?s)a.b')).toBeUndefined()
    expect(lineSafe('[[:space:]]')).toBeUndefined()
    expect(lineSafe('a\\x0ab')).toBeUndefined()
    expect(lineSafe('(?P<x>a)')).toBe('(?P<x>a)')
  })
})
