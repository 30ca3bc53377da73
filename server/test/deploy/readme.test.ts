import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT } from './expressions.js'

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const sourceFiles = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
  d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [])

describe('README runbook', () => {
  // The table rows: "| NameA / NameB | what to do |".
  const documented = new Set([...readme.matchAll(/^\| ([A-Z][A-Za-z]+(?: \/ [A-Z][A-Za-z]+)*) \|/gm)].flatMap((m) => (m[1] as string).split(' / ')))

  it('says what to do for every Prometheus alert rule', () => {
    const rules = (parse(fs.readFileSync(path.join(ROOT, 'rules/alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string }> }> })
      .groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => a !== undefined)
    expect(rules.length).toBeGreaterThan(8)
    expect(rules.filter((a) => !documented.has(a))).toEqual([])
  })

  it('says what to do for every alert TovWatch raises itself', () => {
    const internal = new Set<string>()
    for (const f of sourceFiles(path.join(ROOT, 'server/src'))) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/'(TovWatch[A-Z][A-Za-z]+)'/g)) internal.add(m[1] as string)
    }
    expect(internal.size).toBeGreaterThan(8)
    expect([...internal].filter((a) => !documented.has(a))).toEqual([])
  })
})
