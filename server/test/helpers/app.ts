import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { Registry } from 'prom-client'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createDeps, type Deps } from '../../src/deps.js'
import { createMetrics } from '../../src/metrics/registry.js'

export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef'
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef01'
export const auth = (token = VIEWER_TOKEN) => ({ authorization: `Bearer ${token}` })

/** A config for tests: its own data directory, quiet logs, one viewer and one admin token. */
export function testConfig (env: Record<string, string | undefined> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tovwatch-test-'))
  return loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TOVWATCH_TOKENS: `viewer:viewer:${VIEWER_TOKEN},admin:admin:${ADMIN_TOKEN}`,
    ...env,
  })
}

export interface TestApp {
  app: FastifyInstance
  deps: Deps
  config: Config
  close: () => Promise<void>
}

/**
 * Builds the whole app as main.ts does (real deps from the config), without listening.
 * Pass DATABASE_URL / REDIS_URL / LOKI_URL in env to use the real components.
 */
export async function buildTestApp (env: Record<string, string | undefined> = {}, opts: BuildOptions = {}): Promise<TestApp> {
  const config = testConfig(env)
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, pino({ level: 'silent' }), metrics)
  const app = await buildApp(config, deps, { logger: false, metrics, ...opts })
  await app.ready()
  return {
    app,
    deps,
    config,
    async close () {
      await app.close()
      await deps.close()
      fs.rmSync(config.dataDir, { recursive: true, force: true })
    },
  }
}
