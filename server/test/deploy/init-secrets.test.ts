import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { ROOT } from './expressions.js'

/** deploy/init-secrets.sh in a scratch copy: the first start on a new server. */
describe('deploy/init-secrets.sh', () => {
  let dir: string
  const run = () => execFileSync('bash', [path.join(dir, 'deploy/init-secrets.sh')], { encoding: 'utf8', stdio: 'pipe' })
  const secret = (name: string) => fs.readFileSync(path.join(dir, 'deploy/secrets', name), 'utf8')
  const env = (): Record<string, string> => Object.fromEntries(fs.readFileSync(path.join(dir, '.env'), 'utf8').split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1] as string, m[2] as string]))
  let firstOutput = ''

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-init-secrets-'))
    fs.mkdirSync(path.join(dir, 'deploy'))
    fs.copyFileSync(path.join(ROOT, 'deploy/init-secrets.sh'), path.join(dir, 'deploy/init-secrets.sh'))
    fs.copyFileSync(path.join(ROOT, '.env.example'), path.join(dir, '.env.example'))
    firstOutput = run()
  })
  afterAll(() => { if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true }) })

  it('writes every secret file compose mounts, non-empty, in a private directory', () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.monitoring.yml'), 'utf8')
    const mounted = [...compose.matchAll(/file: \.\/deploy\/secrets\/([a-z_]+)/g)].map((m) => m[1] as string)
    expect(mounted.length).toBe(9)
    const generated = mounted.filter((n) => n !== 'tovwatch_down_webhook_url')
    expect(generated).toHaveLength(8)
    for (const name of generated) expect(secret(name), name).toMatch(/^[0-9a-f]{48}$/)
    expect(fs.statSync(path.join(dir, 'deploy/secrets')).mode & 0o777).toBe(0o700)
    expect(fs.statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600)
  })

  it('leaves the TovWatchDown chat webhook empty unless given, and says nobody will hear of TovWatch being down', () => {
    expect(secret('tovwatch_down_webhook_url')).toBe('')
    const stderr = execFileSync('bash', ['-c', `bash ${JSON.stringify(path.join(dir, 'deploy/init-secrets.sh'))} 2>&1 >/dev/null`], { encoding: 'utf8', env: { ...process.env, TOVWATCH_DOWN_WEBHOOK_URL: '' } })
    expect(stderr).toMatch(/tovwatch_down_webhook_url is empty: nobody hears of TovWatchDown/)
    const url = 'https://discord.com/api/webhooks/1/abc/slack'
    execFileSync('bash', [path.join(dir, 'deploy/init-secrets.sh')], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, TOVWATCH_DOWN_WEBHOOK_URL: url } })
    expect(secret('tovwatch_down_webhook_url')).toBe(url)
    // A second run keeps it, whatever the environment says.
    execFileSync('bash', [path.join(dir, 'deploy/init-secrets.sh')], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, TOVWATCH_DOWN_WEBHOOK_URL: 'https://other.example/hook' } })
    expect(secret('tovwatch_down_webhook_url')).toBe(url)
  })

  it('writes a .env with no placeholder left, that TovWatch accepts', () => {
    const e = env()
    expect(Object.entries(e).filter(([, v]) => v.includes('change-me-'))).toEqual([])
    expect(() => loadConfig(e)).not.toThrow()
  })

  it('puts the same secret in .env as in the files the other services read', () => {
    const e = env()
    const pw = (u: string) => decodeURIComponent(new URL(u).password)
    expect(pw(e.DATABASE_URL!)).toBe(secret('tovplay_app_password'))
    expect(pw(e.BACKUP_DATABASE_URL!)).toBe(secret('tovplay_owner_password'))
    expect(pw(e.MIGRATE_DATABASE_URL!)).toBe(secret('tovplay_owner_password'))
    expect(pw(e.MONITOR_DATABASE_URL!)).toBe(secret('tovwatch_monitor_password'))
    expect(pw(e.TOVWATCH_DATABASE_URL!)).toBe(secret('tovwatch_store_password'))
    expect(pw(e.PGBOUNCER_ADMIN_URL!)).toBe(secret('pgbouncer_stats_password'))
    expect(e.ALERT_WEBHOOK_TOKEN).toBe(secret('alert_webhook_token'))
    expect(new Set(Object.values(e).filter((v) => /^[0-9a-f]{48}$/.test(v))).size).toBe(3) // session, embed, webhook
  })

  it('changes nothing when run again', () => {
    const before = fs.readFileSync(path.join(dir, '.env'), 'utf8')
    const stats = secret('postgres_password')
    const out = run()
    expect(out).toContain('.env exists: left as it is')
    expect(out).not.toContain('generated')
    expect(firstOutput).toContain('generated')
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toBe(before)
    expect(secret('postgres_password')).toBe(stats)
  })
})
