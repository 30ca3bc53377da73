import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { have } from '../helpers/services.js'
import { ROOT } from './expressions.js'

function hasBinary (name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
}

// docker-compose has no have() probe: same rule, a missing tool fails under CI.
const compose = hasBinary('docker-compose')
if (!compose && process.env.CI === 'true') throw new Error('missing component: docker-compose — CI=true requires it (see .ci/run)')
const tools = compose && await have('prometheus', 'alertmanager')

function validate (root: string) {
  const r = spawnSync('bash', [path.join(root, 'deploy/validate.sh')], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` }
}

/** A copy of what validate.sh reads, to break one piece without touching the repository. */
function copyTree (): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-validate-'))
  for (const p of ['deploy', 'dashboards', 'rules', 'docker-compose.monitoring.yml', '.env.example']) {
    if (fs.existsSync(path.join(ROOT, p))) fs.cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true })
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  return dir
}

describe.skipIf(!tools)('deploy/validate.sh with the real docker-compose, promtool and amtool', () => {
  const copies: string[] = []
  afterAll(() => { for (const d of copies) fs.rmSync(d, { recursive: true, force: true }) })
  const copy = () => { const d = copyTree(); copies.push(d); return d }

  it('passes on the repository, every check named', () => {
    const r = validate(ROOT)
    expect(r.out).toContain('ok: docker-compose.monitoring.yml')
    expect(r.out).toContain('ok: deploy/alertmanager.yml')
    expect(r.out).toContain('ok: dashboards and configs')
    expect(r.out).toContain('ok: rules/alerts.yml')
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('all deployment checks passed')
  })

  it('fails loudly, naming the file, when a dashboard is not valid JSON', () => {
    const d = copy()
    fs.appendFileSync(path.join(d, 'dashboards/json/postgresql.json'), '{ not json')
    const r = validate(d)
    expect(r.status).toBe(1)
    expect(r.out).toMatch(/dashboards\/json\/postgresql\.json: not valid JSON/)
    expect(r.out).toContain('check(s) FAILED')
  })

  it('fails when a dashboard names a datasource uid that is not provisioned', () => {
    const d = copy()
    const f = path.join(d, 'dashboards/json/scheduling.json')
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replaceAll('"tovwatch-prometheus"', '"some-other-uid"'))
    const r = validate(d)
    expect(r.status).toBe(1)
    expect(r.out).toContain('datasource some-other-uid is not a provisioned uid')
  })

  it('fails when the Alertmanager config is broken (amtool)', () => {
    const d = copy()
    const f = path.join(d, 'deploy/alertmanager.yml')
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('receiver: tovwatch', 'receiver: nobody'))
    const r = validate(d)
    expect(r.status).toBe(1)
    expect(r.out).toContain('FAILED: amtool check-config deploy/alertmanager.yml')
  })

  it('fails when the compose file is broken (docker-compose config)', () => {
    const d = copy()
    const f = path.join(d, 'docker-compose.monitoring.yml')
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('condition: service_healthy', 'condition: when_it_feels_like_it'))
    const r = validate(d)
    expect(r.status).toBe(1)
    expect(r.out).toContain('FAILED: docker-compose -f docker-compose.monitoring.yml config')
  })

  it('fails when rules/alerts.yml is missing, still checking the rest of prometheus.yml', () => {
    const d = copy()
    fs.rmSync(path.join(d, 'rules/alerts.yml'), { force: true })
    const r = validate(d)
    expect(r.status).toBe(1)
    expect(r.out).toContain('rules/alerts.yml is missing')
    expect(r.out).toContain('ok: deploy/prometheus.yml syntax (with an empty rules stand-in)')
  })
})
