import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** What the demo must never touch: real databases, Redis, Loki. It runs on the embedded defaults only. */
const EXTERNAL = ['DATABASE_URL', 'MONITOR_DATABASE_URL', 'TOVWATCH_DATABASE_URL', 'REDIS_URL', 'LOKI_URL', 'PGBOUNCER_ADMIN_URL', 'DISCORD_WEBHOOK_URL', 'SLACK_WEBHOOK_URL', 'BACKUP_TABLE', 'LOG_FILES', 'BACKUP_DIR', 'TOVWATCH_LOG_FILE']

export interface DemoEnv {
  env: Record<string, string | undefined>
  /** The admin token printed for the login (generated unless TOVWATCH_TOKENS is given). */
  loginToken: string
  webhookToken: string
  ignored: string[]
}

/**
 * The environment of `npm run demo`: its own DATA_DIR (default .demo), the embedded
 * database, a quick probe so incidents show within seconds. PORT, HOST and
 * TOVWATCH_TOKENS are honoured; every external URL is dropped so the demo cannot
 * write into a real database.
 */
export function demoEnv (base: Record<string, string | undefined>): DemoEnv {
  const env: Record<string, string | undefined> = { ...base }
  const ignored = EXTERNAL.filter((k) => env[k] !== undefined && env[k] !== '')
  for (const k of EXTERNAL) delete env[k]
  const dataDir = path.resolve(env.DATA_DIR ?? '.demo')
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  env.DATA_DIR = dataDir
  env.PROBE_INTERVAL_S ??= '5'
  env.LOG_LEVEL ??= 'warn'
  let loginToken: string
  if (env.TOVWATCH_TOKENS !== undefined && env.TOVWATCH_TOKENS.trim() !== '') {
    const admin = env.TOVWATCH_TOKENS.split(',').map((x) => x.trim().split(':')).find((p) => p[1] === 'admin')
    if (admin === undefined) throw new Error('TOVWATCH_TOKENS: the demo needs one admin token (name:admin:secret) to drive TovPlay')
    loginToken = admin.slice(2).join(':')
  } else {
    // Kept in the demo's data directory, so a bookmark or a logged-in tab survives a restart.
    const file = path.join(dataDir, 'demo-admin.token')
    loginToken = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : crypto.randomBytes(18).toString('base64url')
    fs.writeFileSync(file, loginToken + '\n', { mode: 0o600 })
    env.TOVWATCH_TOKENS = `demo:admin:${loginToken}`
  }
  const webhookToken = env.ALERT_WEBHOOK_TOKEN ?? crypto.randomBytes(18).toString('base64url')
  env.ALERT_WEBHOOK_TOKEN = webhookToken
  return { env, loginToken, webhookToken, ignored }
}
