import closeWithGrace from 'close-with-grace'
import { Registry } from 'prom-client'
import { buildApp } from '../app.js'
import { ConfigError, loadConfig } from '../config.js'
import { createDeps } from '../deps.js'
import { routePrefix } from '../infra/http.js'
import { createLogger } from '../infra/logger.js'
import { createMetrics } from '../metrics/registry.js'
import path from 'node:path'
import { demoEnv } from './env.js'
import { scheduleIncidents } from './incidents.js'
import { startDemoLogs } from './logs.js'
import { startDemoTraffic } from './traffic.js'

/**
 * `npm run demo`: TovWatch on its embedded defaults with a realistic TovPlay running
 * against it: scheduling traffic, its logs, and a scripted incident every few minutes.
 * Everything goes to its own DATA_DIR (default .demo).
 */
async function main () {
  const demo = demoEnv(process.env)
  let config
  try {
    config = loadConfig(demo.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`The demo cannot start: ${err.message}\n`)
      process.exit(78)
    }
    throw err
  }
  const say = (msg: string) => process.stdout.write(`[demo ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
  if (demo.ignored.length > 0) say(`ignoring ${demo.ignored.join(', ')}: the demo runs on the embedded defaults only`)
  const logger = createLogger(config.logLevel, config.logFile)
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, logger, metrics)
  const app = await buildApp(config, deps, { logger, metrics })
  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const base = routePrefix(config.basePath)
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}${base}`

  const logs = startDemoLogs(path.join(config.dataDir, 'logs'))
  const traffic = startDemoTraffic(app, demo.loginToken, (err) => logger.debug({ err: { message: err.message } }, 'demo traffic step failed'))
  const incidents = scheduleIncidents({ app, baseUrl, adminToken: demo.loginToken, webhookToken: demo.webhookToken, backupDir: config.database.backup.dir as string, logs, say })
  await incidents.ready

  process.stdout.write(`\nTovWatch demo is at ${baseUrl}/\n`)
  process.stdout.write(`Log in with the admin token: ${demo.loginToken}\n`)
  process.stdout.write(`Data: ${config.dataDir} (delete it to start afresh). The first incident comes in about 10 s; they repeat every 5 minutes.\n\n`)

  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err !== undefined) logger.error({ err }, 'demo closing after an error')
    incidents.stop()
    traffic.stop()
    logs.stop()
    await app.close()
    await deps.close()
  })
}

main().catch((err) => {
  process.stderr.write(`The demo failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
