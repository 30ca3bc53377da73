import fs from 'node:fs'
import path from 'node:path'
import { parser } from '@grafana/lezer-logql'
import RE2 from 're2'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { dashboardFiles, ROOT } from './expressions.js'

type Json = Record<string, any>

/** Grafana's own LogQL grammar: the number of error nodes in the parse tree. */
function logqlErrors (expr: string): number {
  let errors = 0
  parser.parse(expr).iterate({ enter: (n) => { if (n.type.isError) errors++ } })
  return errors
}

const promtail = parse(fs.readFileSync(path.join(ROOT, 'deploy/promtail.yml'), 'utf8')) as Json
const dockerJob = (promtail.scrape_configs as Json[]).find((j) => j.job_name === 'docker')!
const selectors = (dockerJob.pipeline_stages as Json[]).filter((s) => s.match !== undefined).map((s) => s.match.selector as string)

function lokiTargets (): Array<{ where: string, expr: string }> {
  const out: Array<{ where: string, expr: string }> = []
  for (const f of dashboardFiles()) {
    const d = JSON.parse(fs.readFileSync(f, 'utf8')) as Json
    for (const p of d.panels as Json[]) {
      for (const t of (p.targets ?? []) as Json[]) {
        if ((t.datasource ?? p.datasource)?.type === 'loki') out.push({ where: `${path.basename(f)}: ${p.title}`, expr: t.expr })
      }
    }
  }
  return out
}

/** The values Promtail's level template can produce (deploy/promtail.yml). */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'unknown']

describe('LogQL in the deployment', () => {
  it('the grammar check can fail (a broken selector has errors)', () => {
    expect(logqlErrors('{job=~".+" |~ ')).toBeGreaterThan(0)
    expect(logqlErrors('{job=~".+"} |~ "x"')).toBe(0)
  })

  it('Promtail match selectors are valid LogQL, and their regexes compile in RE2 (Loki\'s dialect)', () => {
    expect(selectors.length).toBeGreaterThanOrEqual(3)
    for (const s of selectors) {
      expect(logqlErrors(s), s).toBe(0)
      for (const m of s.matchAll(/\|~ "((?:[^"\\]|\\.)*)"/g)) expect(() => new RE2(JSON.parse(`"${m[1]}"`)), s).not.toThrow()
    }
  })

  it('Grafana\'s Loki panels are valid LogQL and ask only for labels and levels Promtail sets', () => {
    const targets = lokiTargets()
    expect(targets.length).toBeGreaterThanOrEqual(2)
    for (const t of targets) {
      expect(logqlErrors(t.expr), t.where).toBe(0)
      const labels = [...t.expr.replace(/}.*$/, '').matchAll(/([a-z_]+)\s*=~?/g)].map((m) => m[1])
      for (const l of labels) expect(['job', 'container', 'level', 'stream'], `${t.where}: label ${l}`).toContain(l)
      const level = /level=~?"([^"]+)"/.exec(t.expr)?.[1]
      for (const v of level?.split('|') ?? []) expect(LEVELS, `${t.where}: level ${v}`).toContain(v)
    }
  })

  it('the level template maps exactly to those level names', () => {
    const template = (promtail.scrape_configs as Json[]).flatMap((j) => j.pipeline_stages as Json[]).find((s) => s.template !== undefined)!.template.template as string
    const produced = [...template.matchAll(/-}}([a-z]+)/g)].map((m) => m[1]).sort()
    expect(produced).toEqual([...LEVELS].sort())
  })

  it('the LOKI_SELECTOR in .env.example is a valid stream selector', () => {
    const line = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n').find((l) => l.startsWith('LOKI_SELECTOR='))!
    expect(logqlErrors(line.slice('LOKI_SELECTOR='.length))).toBe(0)
  })
})
