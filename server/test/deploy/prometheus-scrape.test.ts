import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { have } from '../helpers/services.js'
import { dashboardExpressions, dashboardFiles, RULES_FILE } from './expressions.js'
import { freePort, start, waitFor, type Proc } from './procs.js'

interface PromAnswer { status: 'success' | 'error', error?: string, data: { resultType: string, result: Array<{ metric: Record<string, string>, value: [number, string] }> } }

/** Grafana's variables, replaced the way Grafana would before sending a panel's query. */
function asGrafanaSends (expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$__interval', '15s')
    .replaceAll('$instance', '.*')
}

describe.skipIf(!(await have('prometheus')))('a real Prometheus scraping a running TovWatch', () => {
  let t: TestApp
  let prom: Proc
  let promUrl: string
  let dir: string
  const withRules = fs.existsSync(RULES_FILE)

  async function query (q: string): Promise<PromAnswer> {
    const res = await fetch(`${promUrl}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: q }), signal: AbortSignal.timeout(5000) })
    return await res.json() as PromAnswer
  }

  beforeAll(async () => {
    t = await buildTestApp({ LOKI_URL: 'http://127.0.0.1:1' })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const target = `127.0.0.1:${(t.app.server.address() as { port: number }).port}`
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-prometheus-'))
    // The scrape job as deploy/prometheus.yml has it, at test speed, with the real rules.
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      ...(withRules ? { rule_files: [RULES_FILE] } : {}),
      scrape_configs: [{ job_name: 'tovwatch', metrics_path: '/metrics', static_configs: [{ targets: [target] }] }],
    }
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config))
    const port = await freePort()
    promUrl = `http://127.0.0.1:${port}`
    prom = start('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ])
    await t.app.inject({ method: 'GET', url: '/logs/api/health' })
    await waitFor('up{job="tovwatch"} == 1', async () => {
      const a = await query('up{job="tovwatch"} == 1')
      return a.data.result.length === 1 ? true : undefined
    }, 40_000, prom.output)
  })

  afterAll(async () => {
    await prom?.stop()
    await t?.close()
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it('scrapes TovWatch: up{job="tovwatch"} is 1', async () => {
    const a = await query('up{job="tovwatch"}')
    expect(a.status).toBe('success')
    expect(a.data.result.map((r) => r.value[1])).toEqual(['1'])
  })

  it('reads a TovWatch metric through the HTTP API: the request to /logs/api/health was counted', async () => {
    const a = await waitFor('the health request in tovwatch_http_request_duration_seconds_count', async () => {
      const r = await query('sum(tovwatch_http_request_duration_seconds_count{job="tovwatch", route="/logs/api/health"})')
      return r.data.result.length === 1 ? r : undefined
    }, 10_000)
    expect(Number(a.data.result[0]?.value[1])).toBeGreaterThanOrEqual(1)
  })

  it('accepts every dashboard query: Prometheus parses and evaluates each one without error', async () => {
    const failures: string[] = []
    for (const e of dashboardFiles().flatMap(dashboardExpressions)) {
      if (e.where.includes(': variable ')) continue // label_values(...) is Grafana's, not PromQL
      const a = await query(asGrafanaSends(e.expr))
      if (a.status !== 'success') failures.push(`${e.where}: ${a.error ?? 'error'}\n    ${e.expr}`)
    }
    expect(failures, failures.join('\n')).toEqual([])
  })

  it.runIf(withRules)('loads rules/alerts.yml and evaluates every rule against the live metrics without error', async () => {
    const rules = await waitFor('one evaluation of every rule group', async () => {
      const res = await fetch(`${promUrl}/api/v1/rules`)
      const body = await res.json() as { data: { groups: Array<{ name: string, lastEvaluation: string, rules: Array<{ name: string, health: string, lastError?: string }> }> } }
      const groups = body.data.groups
      return groups.length > 0 && groups.every((g) => !g.lastEvaluation.startsWith('0001')) ? groups : undefined
    }, 15_000, prom.output)
    const broken = rules.flatMap((g) => g.rules.filter((r) => r.health === 'err').map((r) => `${g.name}/${r.name}: ${r.lastError ?? ''}`))
    expect(broken).toEqual([])
    expect(rules.flatMap((g) => g.rules).length).toBeGreaterThan(0)
  })
})
