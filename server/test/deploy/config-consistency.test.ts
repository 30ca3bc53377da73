import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { ROOT } from './expressions.js'

type Json = Record<string, any>
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8')
const yaml = (p: string) => parse(read(p)) as Json
const compose = yaml('docker-compose.monitoring.yml')
const services = compose.services as Record<string, Json>

function envExample (): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of read('.env.example').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (m !== null) out[m[1] as string] = m[2] as string
  }
  return out
}

const hours = (d: string) => {
  const m = /^(\d+)([smh])$/.exec(d)
  if (m === null) throw new Error(`unexpected duration ${d}`)
  return Number(m[1]) / ({ s: 3600, m: 60, h: 1 } as Record<string, number>)[m[2] as string]!
}

describe('.env.example', () => {
  const env = envExample()

  it('lists every variable server/src/config.ts reads', () => {
    const read = [...fs.readFileSync(path.join(ROOT, 'server/src/config.ts'), 'utf8').matchAll(/\(env, '([A-Z0-9_]+)'/g)].map((m) => m[1] as string)
    expect(read.length).toBeGreaterThan(40)
    expect([...new Set(read)].filter((v) => !(v in env)).sort()).toEqual([])
  })

  // What deploy/init-secrets.sh does: every placeholder replaced by a generated secret.
  const filled = () => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/change-me-[a-z-]+/g, 'f00dcafe0123456789abcdef')]))

  it('is refused as it stands, naming the first placeholder, so its secrets are never used for real', () => {
    expect(() => loadConfig(env)).toThrow(/TOVWATCH_TOKENS.*change-me-.*init-secrets\.sh/)
  })

  it('is a valid TovWatch configuration once its placeholders are filled', () => {
    const config = loadConfig(filled())
    expect(config.databaseUrl).toContain('@pgbouncer:6432/tovplay')
    expect(config.database.monitorUrl).toContain('@postgres:5432/tovplay')
    expect(config.tovwatchDatabaseUrl).toContain('@postgres:5432/tovwatch')
    expect(config.database.expectedDatabase).toBe('tovplay')
  })

  it('tells the scheduling core how PgBouncer pools DATABASE_URL (no prepared statements in transaction pooling)', () => {
    const mode = /^pool_mode\s*=\s*(\w+)/m.exec(read('deploy/pgbouncer/pgbouncer.ini'))?.[1]
    expect(mode).toBe('transaction')
    expect(new URL(env.DATABASE_URL!).host).toBe('pgbouncer:6432')
    expect(loadConfig(filled()).databasePoolMode).toBe(mode)
  })

  it('lets the Grafana it configures frame TovWatch\'s embeds (EMBED_ALLOWED_ORIGINS holds GRAFANA_ROOT_URL\'s origin)', () => {
    expect(env.EMBED_ALLOWED_ORIGINS!.split(',')).toContain(new URL(env.GRAFANA_ROOT_URL!).origin)
  })

  it('holds no real secret: every secret is empty or a change-me placeholder', () => {
    const secretish = Object.entries(env).filter(([k]) => /PASSWORD|TOKEN|SECRET|WEBHOOK_URL/.test(k))
    expect(secretish.length).toBeGreaterThanOrEqual(9)
    for (const [k, v] of secretish) expect(v === '' || v.includes('change-me-'), k).toBe(true)
    for (const [k, v] of Object.entries(env).filter(([, v]) => /:\/\/[^@/\s]+:[^@/\s]+@/.test(v))) {
      expect(/:\/\/[^:]+:change-me-[a-z-]+@/.test(v), `${k} carries a password that is not a placeholder`).toBe(true)
    }
  })
})

describe('docker-compose.monitoring.yml', () => {
  it('groups the services into the core, logs and metrics profiles, all of them in "all"', () => {
    const byProfile = (p: string) => Object.keys(services).filter((s) => (services[s]!.profiles as string[]).includes(p)).sort()
    expect(byProfile('core')).toEqual(['backup', 'migrate', 'pgbouncer', 'postgres', 'redis', 'tovwatch'])
    expect(byProfile('logs')).toEqual(['loki', 'promtail'])
    expect(byProfile('metrics')).toEqual(['alertmanager', 'grafana', 'prometheus'])
    expect(byProfile('all')).toEqual(Object.keys(services).sort())
  })

  it('gives every service a pinned image, a memory limit, the one network and a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toMatch(/^[\w./-]+:[\w.${}:-]*\d[\w.${}:-]*$|^tovwatch:\$\{TOVWATCH_VERSION:-local\}$/)
      expect(s.image, name).not.toMatch(/:latest$/)
      expect(s.mem_limit, name).toMatch(/^\d+[mg]$/)
      expect(s.networks, name).toEqual(['tovwatch'])
      if (name === 'backup' || name === 'migrate') expect(s.healthcheck).toEqual({ disable: true })
      else expect(s.healthcheck?.test, name).toBeDefined()
    }
  })

  it('starts a service only after what it depends on is healthy, within its own profile', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries((s.depends_on ?? {}) as Record<string, Json>)) {
        expect(cond.condition, `${name} -> ${dep}`).toBe(dep === 'migrate' ? 'service_completed_successfully' : 'service_healthy')
        const mine = (s.profiles as string[]).filter((p) => p !== 'all')
        expect((services[dep]!.profiles as string[]).some((p) => mine.includes(p)), `${name} depends on ${dep} from another profile`).toBe(true)
      }
    }
  })

  it('passes secrets as files and writes no literal secret into the file', () => {
    const secrets = compose.secrets as Record<string, { file: string }>
    for (const [name, s] of Object.entries(secrets)) expect(s.file, name).toBe(`./deploy/secrets/${name}`)
    for (const [name, s] of Object.entries(services)) {
      for (const m of (s.secrets ?? []) as string[]) expect(secrets[m], `${name} mounts ${m}`).toBeDefined()
      const env = Object.entries((s.environment ?? {}) as Record<string, string>)
      for (const [k, v] of env.filter(([k]) => /PASSWORD|TOKEN|SECRET|_URL$/.test(k))) {
        expect(k.endsWith('__FILE') || k.endsWith('_FILE') || /^\$\{[A-Z_]+[:?-]/.test(String(v)) || !/:\/\/[^@]+@/.test(String(v)), `${name}.${k}`).toBe(true)
      }
    }
    expect(services.postgres!.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password')
    expect(services.grafana!.environment.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/run/secrets/grafana_admin_password')
  })

  it('mounts into postgres every secret its init script reads, and into pgbouncer what start.sh reads', () => {
    const used = (file: string) => [...read(file).matchAll(/secret(?:s\/|\s+|")([a-z_]+_(?:password|token))/g)].map((m) => m[1])
    for (const s of used('deploy/postgres/initdb/10-tovwatch-roles.sh')) expect(services.postgres!.secrets).toContain(s)
    for (const s of used('deploy/pgbouncer/start.sh')) expect(services.pgbouncer!.secrets).toContain(s)
    expect(used('deploy/postgres/initdb/10-tovwatch-roles.sh').length).toBe(4)
    expect(read('deploy/migrate.sh')).toContain('$secrets/postgres_password')
    expect(services.migrate!.secrets).toEqual(['postgres_password'])
  })

  it('runs the app role through PgBouncer, and the owner role (migrations, pg_dump) straight to PostgreSQL', () => {
    const env = envExample()
    const user = (u: string) => new URL(u).username
    const host = (u: string) => new URL(u).host
    expect([user(env.DATABASE_URL!), host(env.DATABASE_URL!)]).toEqual(['tovplay_app', 'pgbouncer:6432'])
    for (const k of ['MIGRATE_DATABASE_URL', 'BACKUP_DATABASE_URL']) expect([user(env[k]!), host(env[k]!)], k).toEqual(['tovplay_owner', 'postgres:5432'])
    expect(services.migrate!.environment.DATABASE_URL).toMatch(/^\$\{MIGRATE_DATABASE_URL:\?/)
    expect(services.backup!.environment.DATABASE_URL).toMatch(/^\$\{BACKUP_DATABASE_URL:\?/)
    expect(services.tovwatch!.depends_on.migrate.condition).toBe('service_completed_successfully')
  })
})

describe('the configs fit together', () => {
  const prom = yaml('deploy/prometheus.yml')
  const am = yaml('deploy/alertmanager.yml')
  const loki = yaml('deploy/loki.yml')
  const defaults = loadConfig({})

  it('Prometheus scrapes the tovwatch service on its container port, loads rules/alerts.yml and alerts the alertmanager service', () => {
    const job = (prom.scrape_configs as Json[]).find((j) => j.job_name === 'tovwatch')!
    expect(job.static_configs[0].targets).toEqual(['tovwatch:3000'])
    expect(services.tovwatch!.environment.PORT).toBe('3000')
    expect(path.resolve(ROOT, 'deploy', prom.rule_files[0])).toBe(path.join(ROOT, 'rules/alerts.yml'))
    expect(services.prometheus!.volumes).toEqual(expect.arrayContaining(['./rules:/etc/tovwatch/rules:ro', './deploy/prometheus.yml:/etc/tovwatch/deploy/prometheus.yml:ro']))
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093'])
  })

  it('Alertmanager posts to the webhook under BASE_PATH with the token file compose mounts', () => {
    const hook = (am.receivers as Json[])[0]!.webhook_configs[0]
    expect(hook.url).toBe(`http://tovwatch:3000${services.tovwatch!.environment.BASE_PATH}/api/alerts/webhook`)
    expect(hook.send_resolved).toBe(true)
    expect(hook.http_config.authorization.credentials_file).toBe('/run/secrets/alert_webhook_token')
    expect(services.alertmanager!.secrets).toContain('alert_webhook_token')
  })

  it('sends TovWatchDown to chat straight from Alertmanager, and still on to TovWatch', () => {
    const down = (am.route.routes as Json[]).find((r) => JSON.stringify(r.matchers) === JSON.stringify(['alertname="TovWatchDown"']))
    expect(down).toMatchObject({ receiver: 'tovwatch-down', continue: true })
    expect((am.route.routes as Json[]).indexOf(down!)).toBe(0)
    const receiver = (am.receivers as Json[]).find((r) => r.name === 'tovwatch-down')!
    expect(receiver.slack_configs[0]).toMatchObject({ api_url_file: '/run/secrets/tovwatch_down_webhook_url', send_resolved: true })
    expect(services.alertmanager!.secrets).toContain('tovwatch_down_webhook_url')
    expect((compose.secrets as Json).tovwatch_down_webhook_url.file).toBe('./deploy/secrets/tovwatch_down_webhook_url')
  })

  it.runIf(fs.existsSync(path.join(ROOT, 'rules/alerts.yml')))('Alertmanager routes and inhibits only alert names that rules/alerts.yml defines', () => {
    const rules = yaml('rules/alerts.yml') as { groups: Array<{ rules: Array<{ alert?: string }> }> }
    const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((n): n is string => n !== undefined)
    const matchers = JSON.stringify([am.route, am.inhibit_rules]).match(/alertname(=~|!=|=)\\"[^\\]+\\"/g) ?? []
    expect(matchers.length).toBeGreaterThan(4)
    for (const m of matchers) {
      const [, op, value] = /alertname(=~|!=|=)\\"([^\\]+)\\"/.exec(m)!
      if (op === '=~') {
        const re = new RegExp(`^(?:${value})$`)
        expect(names.some((n) => re.test(n)), `${m} matches no rule`).toBe(true)
        if (/^[A-Za-z|]+$/.test(value!)) for (const alt of value!.split('|')) expect(names, `${m}: ${alt}`).toContain(alt)
      } else {
        expect(names, m).toContain(value)
      }
    }
  })

  it('Loki accepts what TovWatch sends by default: its limit, its chunk size, its deadline', () => {
    const l = loki.limits_config
    expect(l.max_entries_limit_per_query).toBeGreaterThanOrEqual(defaults.loki.entryLimit)
    expect(hours(l.split_queries_by_interval)).toBe(defaults.loki.chunkHours)
    expect(hours(l.query_timeout) * 3600_000).toBeGreaterThanOrEqual(defaults.loki.deadlineMs)
    expect(hours(l.max_query_length)).toBeGreaterThanOrEqual(defaults.maxRangeDays * 24)
    expect(hours(l.max_query_length)).toBeLessThanOrEqual(hours(l.retention_period))
    expect(loki.querier.max_concurrent).toBeGreaterThanOrEqual(defaults.loki.concurrency * 2)
    expect(Math.min(loki.frontend.max_outstanding_per_tenant, loki.query_scheduler.max_outstanding_requests_per_tenant))
      .toBeGreaterThanOrEqual(4 * (7 * 24) / defaults.loki.chunkHours)
  })
})

describe('Dockerfile', () => {
  it('builds on a Node version package.json engines accepts (vite 8 needs 20.19+)', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-/m.exec(read('Dockerfile'))
    expect(image).not.toBeNull()
    const [major, minor] = [Number(image![1]), Number(image![2])]
    const engines = (JSON.parse(read('package.json')) as Json).engines.node as string
    const need = /^>=(\d+)\.(\d+)$/.exec(engines)
    expect(need, `engines.node is ${engines}`).not.toBeNull()
    expect(major > Number(need![1]) || (major === Number(need![1]) && minor >= Number(need![2])), `node:${image![1]}.${image![2]} vs ${engines}`).toBe(true)
  })
})
