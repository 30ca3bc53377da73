import { describe, expect, it } from 'vitest'
import { ConfigError, databaseNameOf, loadConfig } from '../src/config.js'

function fails (env: Record<string, string>, variable: string, text: RegExp) {
  let err: unknown
  try {
    loadConfig(env)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as ConfigError).variable).toBe(variable)
  expect((err as Error).message).toMatch(text)
}

describe('config', () => {
  it('has working defaults with an empty environment', () => {
    const c = loadConfig({})
    expect(c.port).toBe(3000)
    expect(c.basePath).toBe('/logs')
    expect(c.loki.url).toBeUndefined()
    expect(c.loki.selector).toBe('{job=~".+"}')
    expect(c.database.probeIntervalS).toBe(15)
    expect(c.database.rowDropAlertPct).toBe(50)
    expect(c.databasePoolMode).toBe('session')
    expect(c.errors).toEqual({ maxEntries: 50_000, groupLabels: ['job', 'service', 'app', 'container', 'namespace', 'file', 'level'], eventGapMs: 1000, liveIntervalMs: 5000, lifecycle: { newGroupAlertLimit: 5, newGroupAlertWindowMs: 3_600_000, newGroupCheckS: 60, triageRole: 'viewer' } })
    expect(loadConfig({ ERROR_GROUP_LABELS: 'job, pod,job' }).errors.groupLabels).toEqual(['job', 'pod'])
    expect(loadConfig({ ERROR_EVENT_GAP_MS: '2500' }).errors.eventGapMs).toBe(2500)
    expect(loadConfig({ ERRORS_LIVE_INTERVAL_MS: '0' }).errors.liveIntervalMs).toBe(0)
    expect(() => loadConfig({ ERRORS_LIVE_INTERVAL_MS: 'fast' })).toThrow(/ERRORS_LIVE_INTERVAL_MS/)
    expect(() => loadConfig({ ERROR_EVENT_GAP_MS: '-1' })).toThrow(/ERROR_EVENT_GAP_MS/)
    expect(c.database.backup.maxAgeH).toBe(6)
    expect(c.logFiles[0]).toMatch(/logs\/\*\.log$/)
  })

  it('names the variable of a bad value', () => {
    fails({ PORT: 'eighty' }, 'PORT', /whole number/)
    fails({ PORT: '70000' }, 'PORT', /0 to 65535/)
    fails({ BASE_PATH: 'logs' }, 'BASE_PATH', /path like \/logs/)
    fails({ LOKI_URL: 'ftp://loki' }, 'LOKI_URL', /http/)
    fails({ LOKI_URL: 'not a url' }, 'LOKI_URL', /not a valid URL/)
    fails({ LOKI_USERNAME: 'u' }, 'LOKI_PASSWORD', /go together/)
    fails({ LOKI_TOKEN: 't', LOKI_USERNAME: 'u', LOKI_PASSWORD: 'p' }, 'LOKI_TOKEN', /not both/)
    fails({ REDIS_URL: 'http://redis' }, 'REDIS_URL', /redis:/)
    fails({ ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED: 'maybe' }, 'ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED', /true or false/)
    fails({ LOKI_CASE_INSENSITIVE: 'sometimes' }, 'LOKI_CASE_INSENSITIVE', /auto, inline, alternation/)
    fails({ DATABASE_POOL_MODE: 'statement' }, 'DATABASE_POOL_MODE', /session, transaction/)
    fails({ SESSION_SECRET: 'change-me-session-secret' }, 'SESSION_SECRET', /placeholder/)
    fails({ DATABASE_URL: 'postgresql://a:change-me-app-password@db/x' }, 'DATABASE_URL', /placeholder/)
    fails({ ERROR_GROUP_LABELS: 'job,pod-name' }, 'ERROR_GROUP_LABELS', /"pod-name" is not a label name/)
    fails({ ERRORS_MAX_ENTRIES: '10' }, 'ERRORS_MAX_ENTRIES', /1000/)
    fails({ LOKI_CACHE_TTL_S: '-1' }, 'LOKI_CACHE_TTL_S', /./)
    fails({ SCHEDULING_SWEEP_INTERVAL_S: '0' }, 'SCHEDULING_SWEEP_INTERVAL_S', /./)
    fails({ EMBED_ALLOWED_ORIGINS: 'grafana' }, 'EMBED_ALLOWED_ORIGINS', /not an origin/)
  })

  it('never echoes a database URL, which may carry a password', () => {
    let message = ''
    try {
      loadConfig({ DATABASE_URL: 'mysql://u:hunter2secret@db/x' })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/^DATABASE_URL/)
    expect(message).not.toContain('hunter2secret')
  })

  it('parses TOVWATCH_TOKENS and refuses bad entries', () => {
    const c = loadConfig({ TOVWATCH_TOKENS: 'ann:admin:0123456789abcdef,bot:viewer:x:y:0123456789abcdef' })
    expect(c.auth.tokens).toEqual([
      { name: 'ann', role: 'admin', secret: '0123456789abcdef' },
      { name: 'bot', role: 'viewer', secret: 'x:y:0123456789abcdef' },
    ])
    fails({ TOVWATCH_TOKENS: 'ann:root:0123456789abcdef' }, 'TOVWATCH_TOKENS', /role "root"/)
    fails({ TOVWATCH_TOKENS: 'ann:admin:short' }, 'TOVWATCH_TOKENS', /shorter than 16/)
    fails({ TOVWATCH_TOKENS: 'justaname' }, 'TOVWATCH_TOKENS', /name:role:secret/)
  })

  it('defaults the monitor and store databases to DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://app@db:5432/TovPlay' })
    expect(c.database.monitorUrl).toBe('postgresql://app@db:5432/TovPlay')
    expect(c.tovwatchDatabaseUrl).toBe('postgresql://app@db:5432/TovPlay')
    expect(databaseNameOf(c.database.monitorUrl)).toBe('TovPlay')
    expect(databaseNameOf('postgresql://h/')).toBeUndefined()
  })
})
