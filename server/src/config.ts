import path from 'node:path'
import { loadHistoryConfig, type HistoryConfig } from './database/history/config.js'
import { loadLifecycleConfig, type LifecycleConfig } from './errors/lifecycle/config.js'
import { SEVERITIES, type Severity } from '../../shared/severity.js'

/**
 * Typed, validated configuration read once from the environment.
 * Every variable is documented in the README's table; a bad value stops the
 * start with a message that names the variable and says what it expected.
 */
export interface Config {
  port: number
  host: string
  basePath: string
  dataDir: string
  logLevel: string
  /** Public URL of this TovWatch (used in links sent to Discord and in alert rules). */
  publicUrl: string
  /** Where TovWatch writes its own JSON logs (read back by the file log source). */
  logFile: string

  loki: {
    url: string | undefined
    tenant: string | undefined
    username: string | undefined
    password: string | undefined
    token: string | undefined
    selector: string
    concurrency: number
    chunkHours: number
    entryLimit: number
    chunkTimeoutMs: number
    deadlineMs: number
    maxSplits: number
    maxRetries: number
    /** `auto` probes /loki/api/v1/status/buildinfo; `inline` forces (?i), `alternation` forces [eE]rror classes. */
    caseInsensitive: 'auto' | 'inline' | 'alternation'
    /** A chunk that ended more than this before now is closed: immutable, and cached. */
    ingestionLagS: number
    /** How long a closed chunk is trusted in the cache (lines ingested later than the lag show after this). */
    cacheTtlS: number
    /** Loki's split_queries_by_interval in seconds (LOKI_SPLIT_INTERVAL); undefined: read from Loki's /config, else 30m. */
    splitIntervalS: number | undefined
    /** Loki's max_outstanding_per_tenant (LOKI_MAX_OUTSTANDING); undefined: read from /config, else 100. */
    maxOutstanding: number | undefined
    /** Loki's max_query_parallelism (LOKI_MAX_QUERY_PARALLELISM); undefined: read from /config, else 32. */
    maxQueryParallelism: number | undefined
  }
  logFiles: string[]
  maxRangeDays: number
  /** Noise and severity rules; unset: the shipped rules/noise.yml. */
  noiseRulesFile: string | undefined
  errors: {
    /** Lines pulled per query for grouping; the series and totals stay exact beyond it. */
    maxEntries: number
    /** The labels that split groups: a bounded subset, since per-pod or per-file labels would split one error into many. */
    groupLabels: string[]
    /** Largest gap between two lines of one multi-line event (a traceback, a stack). */
    eventGapMs: number
    /** The live feed's shared refresh of the open end (errors/live/); 0: off. */
    liveIntervalMs: number
    /** Resolve, mute, new-group alerts (errors/lifecycle/). */
    lifecycle: LifecycleConfig
  }
  /** Grafana, for Explore links (errors/context/explore.ts). Unset GRAFANA_URL: no links. */
  grafana: {
    url: string | undefined
    /** The uid of Grafana's Loki datasource (GRAFANA_LOKI_UID; the provisioned one is tovwatch-loki). */
    lokiUid: string
    orgId: number
  }
  scheduling: {
    sweepIntervalS: number
    idempotencyKeyTtlH: number
  }

  redisUrl: string | undefined
  /** TovPlay's database: the scheduling core. Unset: embedded PGlite. */
  databaseUrl: string | undefined
  /**
   * How DATABASE_URL is pooled. 'transaction' (PgBouncer pool_mode = transaction): the scheduling
   * core sends no named or PREPAREd statements, since the next transaction may land on another
   * server connection. 'session': direct or session pooling; its hot path uses prepared statements.
   */
  databasePoolMode: 'session' | 'transaction'
  /** TovWatch's own store (alerts, audit of admin actions). Keep it apart from TovPlay's in production. */
  tovwatchDatabaseUrl: string | undefined

  /** The PostgreSQL watch (database/). */
  database: {
    /** The database the watch probes, through the read-only monitoring role. */
    monitorUrl: string | undefined
    expectedDatabase: string | undefined
    probeIntervalS: number
    watchedTables: string[] | undefined
    rowDropAlertPct: number
    exactCountMaxRows: number
    connUsedAlertPct: number
    idleInTxAlertS: number
    pgbouncerAdminUrl: string | undefined
    pgbouncerWaitAlertS: number
    backup: {
      dir: string | undefined
      table: string | undefined
      maxAgeH: number
      keep: number
    }
    allowTerminateIdle: boolean
    /** Table and connection history, and the row-drop warning (database/history/). */
    history: HistoryConfig
  }

  auth: {
    tokens: Array<{ name: string, role: Role, secret: string }>
    sessionSecret: string | undefined
    embedSecret: string | undefined
    embedAllowedOrigins: string[]
    cookieSecure: 'auto' | 'always' | 'never'
  }

  security: {
    /**
     * Fastify's trustProxy: false (default: the socket's address and protocol count, headers
     * are ignored), a hop count, or the proxies' addresses/CIDRs. Never `true`: any client
     * could then choose its address (the rate limit's key), its protocol and its host.
     */
    trustProxy: false | number | string[]
  }

  alerts: {
    webhookToken: string | undefined
    webhookUsername: string | undefined
    webhookPassword: string | undefined
    allowUnauthenticated: boolean
    retentionDays: number
    webhookBodyLimitBytes: number
    discordWebhookUrl: string | undefined
    slackWebhookUrl: string | undefined
    notifyMinSeverity: Severity
    repeatIntervalS: number
    wsAllowedOrigins: string[]
    wsQueueLimit: number
    /** Per-alert and per-webhook limits; an alert over one is kept as a dead letter, never stored half. */
    limits: {
      alertsPerWebhook: number
      labelsPerAlert: number
      labelNameLength: number
      labelValueLength: number
      annotationsBytes: number
    }
    /** Firing alerts in a stream snapshot; the rest are counted in `truncated` and paged with GET /api/alerts. */
    snapshotLimit: number
    /** Silences and silenced/inhibited state through Alertmanager's API v2; undefined url: off. */
    alertmanager: { url: string | undefined, username: string | undefined, password: string | undefined, token: string | undefined, pollS: number, timeoutMs: number }
  }
}

export type Role = 'viewer' | 'admin'
/** The database watch's slice: what database/ gets, and nothing else. */
export type DatabaseConfig = Config['database']

export class ConfigError extends Error {
  constructor (readonly variable: string, message: string) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

function str (env: Env, name: string): string | undefined {
  const v = env[name]
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

function int (env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name)
  if (raw === undefined) return def
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(name, `expected a number from ${min} to ${max}, got ${n}`)
  return n
}

function bool (env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name)
  if (raw === undefined) return def
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(name, `expected true or false, got "${raw}"`)
}

function oneOf<T extends string> (env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = str(env, name)
  if (raw === undefined) return def
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${raw}"`)
  }
  return raw as T
}

/** A Go-style duration of whole seconds, minutes or hours (`30m`, `1h`, `90s`), in seconds. */
function duration (env: Env, name: string, minS: number, maxS: number): number | undefined {
  const raw = str(env, name)
  if (raw === undefined) return undefined
  const m = /^(\d+)(s|m|h)$/.exec(raw)
  if (m === null) throw new ConfigError(name, `expected a duration such as 30m or 1h, got "${raw}"`)
  const s = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1)
  if (s < minS || s > maxS) throw new ConfigError(name, `expected a duration from ${minS}s to ${maxS / 3600}h, got ${raw}`)
  return s
}

function optionalInt (env: Env, name: string, min: number, max: number): number | undefined {
  return str(env, name) === undefined ? undefined : int(env, name, min, min, max)
}

function list (env: Env, name: string): string[] {
  const raw = str(env, name)
  return raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter(Boolean)
}

export const DEFAULT_GROUP_LABELS = ['job', 'service', 'app', 'container', 'namespace', 'file', 'level']

function groupLabelList (env: Env): string[] {
  const names = list(env, 'ERROR_GROUP_LABELS')
  if (names.length === 0) return DEFAULT_GROUP_LABELS
  if (names.length > 20) throw new ConfigError('ERROR_GROUP_LABELS', `has ${names.length} labels; at most 20`)
  const bad = names.find((n) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n))
  if (bad !== undefined) throw new ConfigError('ERROR_GROUP_LABELS', `"${bad}" is not a label name (letters, digits and _, not starting with a digit)`)
  return [...new Set(names)]
}

function url (env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name)
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    // Never echo the value: URLs often carry passwords.
    throw new ConfigError(name, 'is not a valid URL')
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`)
  }
  return raw
}

/** GRAFANA_URL ends up in links shown in the browser: no credentials in it, no trailing slash. */
function grafanaUrl (env: Env): string | undefined {
  const raw = url(env, 'GRAFANA_URL', ['http:', 'https:'])
  if (raw === undefined) return undefined
  const parsed = new URL(raw)
  if (parsed.username !== '' || parsed.password !== '') throw new ConfigError('GRAFANA_URL', 'must not carry credentials: it is shown in links in the browser')
  if (parsed.search !== '' || parsed.hash !== '') throw new ConfigError('GRAFANA_URL', 'expected Grafana\'s base URL, without a query or fragment, e.g. https://grafana.example.com')
  return raw.replace(/\/+$/, '')
}

function parseTokens (raw: string | undefined): Config['auth']['tokens'] {
  if (raw === undefined) return []
  return raw.split(',').filter((s) => s.trim() !== '').map((entry, i) => {
    const [name, role, ...rest] = entry.trim().split(':')
    const secret = rest.join(':')
    if (!name || !role || !secret) {
      throw new ConfigError('TOVWATCH_TOKENS', `entry ${i + 1} must be name:role:secret`)
    }
    if (role !== 'viewer' && role !== 'admin') {
      throw new ConfigError('TOVWATCH_TOKENS', `entry ${i + 1} ("${name}") has role "${role}"; expected viewer or admin`)
    }
    if (secret.length < 16) {
      throw new ConfigError('TOVWATCH_TOKENS', `entry ${i + 1} ("${name}") has a secret shorter than 16 characters`)
    }
    return { name, role, secret }
  })
}

function basePath (env: Env): string {
  const raw = str(env, 'BASE_PATH') ?? '/logs'
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(raw) || raw.includes('//')) {
    throw new ConfigError('BASE_PATH', `expected a path like /logs, got "${raw}"`)
  }
  return raw.length > 1 ? raw.replace(/\/+$/, '') : raw
}

/** The variables that hold secrets (or URLs that may carry one). */
export const SECRET_VARIABLES = [
  'TOVWATCH_TOKENS', 'SESSION_SECRET', 'EMBED_SECRET', 'LOKI_PASSWORD', 'LOKI_TOKEN', 'REDIS_URL',
  'DATABASE_URL', 'MONITOR_DATABASE_URL', 'TOVWATCH_DATABASE_URL', 'PGBOUNCER_ADMIN_URL',
  'ALERT_WEBHOOK_TOKEN', 'ALERT_WEBHOOK_PASSWORD', 'DISCORD_WEBHOOK_URL', 'SLACK_WEBHOOK_URL',
  'ALERTMANAGER_URL', 'ALERTMANAGER_PASSWORD', 'ALERTMANAGER_TOKEN',
] as const

/** .env.example's placeholders would work as real secrets that anyone can read in the repository. */
function refusePlaceholders (env: Env): void {
  for (const name of SECRET_VARIABLES) {
    if (env[name]?.includes('change-me-') === true) {
      throw new ConfigError(name, 'still holds a change-me-... placeholder from .env.example; run deploy/init-secrets.sh (or set a real secret)')
    }
  }
}

const PROXY_ADDRESS = /^(?:[0-9.]+|[0-9a-fA-F:.]+)(?:\/\d{1,3})?$|^(?:loopback|linklocal|uniquelocal)$/

/** TRUST_PROXY: off (default), a hop count (1 behind one reverse proxy), or addresses/CIDRs. */
function trustProxy (env: Env): Config['security']['trustProxy'] {
  const raw = str(env, 'TRUST_PROXY')
  if (raw === undefined || /^(0|false|no|off)$/i.test(raw)) return false
  if (/^(true|yes|on)$/i.test(raw)) {
    throw new ConfigError('TRUST_PROXY', 'trusting every proxy lets any client choose its address and protocol: give the hop count (1 behind one reverse proxy) or the proxies\' addresses')
  }
  if (/^\d+$/.test(raw)) return int(env, 'TRUST_PROXY', 0, 0, 20)
  const entries = list(env, 'TRUST_PROXY')
  const bad = entries.find((e) => !PROXY_ADDRESS.test(e))
  if (bad !== undefined) throw new ConfigError('TRUST_PROXY', `"${bad.slice(0, 60)}" is not a hop count, an IP address or a CIDR range`)
  return entries
}

/** A client's credentials: a user name and password together, or a token, never both. */
function credentials (env: Env, userVar: string, passwordVar: string, tokenVar: string): { username: string | undefined, password: string | undefined, token: string | undefined } {
  const username = str(env, userVar)
  const password = str(env, passwordVar)
  const token = str(env, tokenVar)
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(username === undefined ? userVar : passwordVar, `${userVar} and ${passwordVar} go together`)
  }
  if (token !== undefined && username !== undefined) {
    throw new ConfigError(tokenVar, `set either ${tokenVar} or ${userVar}/${passwordVar}, not both`)
  }
  return { username, password, token }
}

export function loadConfig (env: Env = process.env): Config {
  refusePlaceholders(env)
  const dataDir = path.resolve(str(env, 'DATA_DIR') ?? '.data')
  const port = int(env, 'PORT', 3000, 0, 65535)
  const host = str(env, 'HOST') ?? '127.0.0.1'
  const bp = basePath(env)
  const lokiUrl = url(env, 'LOKI_URL', ['http:', 'https:'])
  const { token: lokiToken, username: lokiUser, password: lokiPassword } = credentials(env, 'LOKI_USERNAME', 'LOKI_PASSWORD', 'LOKI_TOKEN')
  const logFile = path.resolve(str(env, 'TOVWATCH_LOG_FILE') ?? path.join(dataDir, 'logs', 'tovwatch.log'))
  const pgProtocols = ['postgres:', 'postgresql:']
  const databaseUrl = url(env, 'DATABASE_URL', pgProtocols)
  const watched = list(env, 'WATCHED_TABLES')
  const webhookUser = str(env, 'ALERT_WEBHOOK_USERNAME')
  const webhookPassword = str(env, 'ALERT_WEBHOOK_PASSWORD')
  if ((webhookUser === undefined) !== (webhookPassword === undefined)) {
    throw new ConfigError('ALERT_WEBHOOK_USERNAME', 'ALERT_WEBHOOK_USERNAME and ALERT_WEBHOOK_PASSWORD go together')
  }
  const { token: amToken, username: amUser, password: amPassword } = credentials(env, 'ALERTMANAGER_USERNAME', 'ALERTMANAGER_PASSWORD', 'ALERTMANAGER_TOKEN')

  return {
    port,
    host,
    basePath: bp,
    dataDir,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    publicUrl: (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    logFile,
    loki: {
      url: lokiUrl?.replace(/\/+$/, ''),
      tenant: str(env, 'LOKI_TENANT'),
      username: lokiUser,
      password: lokiPassword,
      token: lokiToken,
      selector: str(env, 'LOKI_SELECTOR') ?? '{job=~".+"}',
      concurrency: int(env, 'LOKI_CONCURRENCY', 4, 1, 64),
      chunkHours: int(env, 'LOKI_CHUNK_HOURS', 6, 1, 168),
      entryLimit: int(env, 'LOKI_ENTRY_LIMIT', 1000, 10, 100_000),
      chunkTimeoutMs: int(env, 'LOKI_CHUNK_TIMEOUT_MS', 15_000, 100, 300_000),
      deadlineMs: int(env, 'LOKI_DEADLINE_MS', 60_000, 500, 600_000),
      maxSplits: int(env, 'LOKI_MAX_SPLITS', 64, 0, 10_000),
      maxRetries: int(env, 'LOKI_MAX_RETRIES', 5, 0, 20),
      caseInsensitive: oneOf(env, 'LOKI_CASE_INSENSITIVE', 'auto', ['auto', 'inline', 'alternation'] as const),
      ingestionLagS: int(env, 'LOKI_INGESTION_LAG_S', 120, 0, 86_400),
      cacheTtlS: int(env, 'LOKI_CACHE_TTL_S', 6 * 3600, 60, 30 * 86_400),
      splitIntervalS: duration(env, 'LOKI_SPLIT_INTERVAL', 60, 24 * 3600),
      maxOutstanding: optionalInt(env, 'LOKI_MAX_OUTSTANDING', 1, 100_000),
      maxQueryParallelism: optionalInt(env, 'LOKI_MAX_QUERY_PARALLELISM', 1, 10_000),
    },
    logFiles: list(env, 'LOG_FILES').length > 0 ? list(env, 'LOG_FILES') : [path.join(dataDir, 'logs', '*.log')],
    maxRangeDays: int(env, 'MAX_RANGE_DAYS', 7, 1, 90),
    noiseRulesFile: str(env, 'NOISE_RULES_FILE') !== undefined ? path.resolve(str(env, 'NOISE_RULES_FILE') as string) : undefined,
    errors: {
      maxEntries: int(env, 'ERRORS_MAX_ENTRIES', 50_000, 1000, 1_000_000),
      groupLabels: groupLabelList(env),
      eventGapMs: int(env, 'ERROR_EVENT_GAP_MS', 1000, 0, 60_000),
      liveIntervalMs: int(env, 'ERRORS_LIVE_INTERVAL_MS', 5000, 0, 60_000),
      lifecycle: loadLifecycleConfig(env),
    },
    grafana: {
      url: grafanaUrl(env),
      lokiUid: str(env, 'GRAFANA_LOKI_UID') ?? 'tovwatch-loki',
      orgId: int(env, 'GRAFANA_ORG_ID', 1, 1, 1_000_000),
    },
    scheduling: {
      sweepIntervalS: int(env, 'SCHEDULING_SWEEP_INTERVAL_S', 30, 1, 3600),
      idempotencyKeyTtlH: int(env, 'IDEMPOTENCY_KEY_TTL_H', 24, 1, 24 * 30),
    },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    databaseUrl,
    databasePoolMode: oneOf(env, 'DATABASE_POOL_MODE', 'session', ['session', 'transaction'] as const),
    tovwatchDatabaseUrl: url(env, 'TOVWATCH_DATABASE_URL', pgProtocols) ?? databaseUrl,
    database: {
      monitorUrl: url(env, 'MONITOR_DATABASE_URL', pgProtocols) ?? databaseUrl,
      expectedDatabase: str(env, 'EXPECTED_DATABASE'),
      probeIntervalS: int(env, 'PROBE_INTERVAL_S', 15, 1, 3600),
      watchedTables: watched.length > 0 ? watched : undefined,
      rowDropAlertPct: int(env, 'ROW_DROP_ALERT_PCT', 50, 1, 100),
      exactCountMaxRows: int(env, 'EXACT_COUNT_MAX_ROWS', 100_000, 0, 1_000_000_000),
      connUsedAlertPct: int(env, 'CONN_USED_ALERT_PCT', 80, 1, 100),
      idleInTxAlertS: int(env, 'IDLE_IN_TX_ALERT_S', 300, 1, 86_400),
      pgbouncerAdminUrl: url(env, 'PGBOUNCER_ADMIN_URL', pgProtocols),
      pgbouncerWaitAlertS: int(env, 'PGBOUNCER_WAIT_ALERT_S', 10, 1, 3600),
      backup: {
        dir: str(env, 'BACKUP_DIR') !== undefined ? path.resolve(str(env, 'BACKUP_DIR') as string) : path.join(dataDir, 'backups'),
        table: str(env, 'BACKUP_TABLE'),
        maxAgeH: int(env, 'BACKUP_MAX_AGE_H', 6, 1, 24 * 365),
        keep: int(env, 'BACKUP_KEEP', 14, 1, 1000),
      },
      allowTerminateIdle: bool(env, 'ALLOW_TERMINATE_IDLE', false),
      history: loadHistoryConfig(env),
    },
    auth: {
      tokens: parseTokens(str(env, 'TOVWATCH_TOKENS')),
      sessionSecret: str(env, 'SESSION_SECRET'),
      embedSecret: str(env, 'EMBED_SECRET'),
      embedAllowedOrigins: list(env, 'EMBED_ALLOWED_ORIGINS').map((o, i) => {
        try {
          return new URL(o).origin
        } catch {
          throw new ConfigError('EMBED_ALLOWED_ORIGINS', `entry ${i + 1} ("${o}") is not an origin like https://grafana.example.com`)
        }
      }),
      cookieSecure: oneOf(env, 'COOKIE_SECURE', 'auto', ['auto', 'always', 'never'] as const),
    },
    security: {
      trustProxy: trustProxy(env),
    },
    alerts: {
      webhookToken: str(env, 'ALERT_WEBHOOK_TOKEN'),
      webhookUsername: webhookUser,
      webhookPassword,
      allowUnauthenticated: bool(env, 'ALERT_WEBHOOK_ALLOW_UNAUTHENTICATED', false),
      retentionDays: int(env, 'ALERT_RETENTION_DAYS', 30, 1, 3650),
      webhookBodyLimitBytes: int(env, 'ALERT_WEBHOOK_BODY_LIMIT', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
      discordWebhookUrl: url(env, 'DISCORD_WEBHOOK_URL', ['https:', 'http:']),
      slackWebhookUrl: url(env, 'SLACK_WEBHOOK_URL', ['https:', 'http:']),
      notifyMinSeverity: oneOf(env, 'NOTIFY_MIN_SEVERITY', 'high', SEVERITIES),
      repeatIntervalS: int(env, 'NOTIFY_REPEAT_INTERVAL_S', 4 * 3600, 0, 7 * 86_400),
      wsAllowedOrigins: list(env, 'WS_ALLOWED_ORIGINS'),
      wsQueueLimit: int(env, 'WS_QUEUE_LIMIT', 1000, 10, 1_000_000),
      limits: {
        alertsPerWebhook: int(env, 'ALERT_MAX_PER_WEBHOOK', 10_000, 1, 1_000_000),
        labelsPerAlert: int(env, 'ALERT_MAX_LABELS', 64, 1, 10_000),
        labelNameLength: int(env, 'ALERT_MAX_LABEL_NAME_LENGTH', 256, 1, 65_536),
        labelValueLength: int(env, 'ALERT_MAX_LABEL_VALUE_LENGTH', 4096, 1, 1_048_576),
        annotationsBytes: int(env, 'ALERT_MAX_ANNOTATIONS_BYTES', 65_536, 64, 16_777_216),
      },
      snapshotLimit: int(env, 'ALERT_SNAPSHOT_LIMIT', 1000, 10, 100_000),
      alertmanager: {
        url: url(env, 'ALERTMANAGER_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
        username: amUser,
        password: amPassword,
        token: amToken,
        pollS: int(env, 'ALERTMANAGER_POLL_S', 10, 1, 15),
        timeoutMs: int(env, 'ALERTMANAGER_TIMEOUT_MS', 5000, 100, 60_000),
      },
    },
  }
}

/** The database name in a connection URL, or undefined. */
export function databaseNameOf (connectionUrl: string | undefined): string | undefined {
  if (connectionUrl === undefined) return undefined
  try {
    const name = decodeURIComponent(new URL(connectionUrl).pathname.replace(/^\//, ''))
    return name === '' ? undefined : name
  } catch {
    return undefined
  }
}
