import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { createDeps } from './deps.js'
import { DataDirError, prepareDataDir, tightenTree } from './infra/data-dir.js'
import { createLogger } from './infra/logger.js'
import { createMetrics } from './metrics/registry.js'
import { Registry } from 'prom-client'

/** Process entry: load config, create the components, listen, and close gracefully. */
async function main () {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`TovWatch cannot start: ${err.message}\n`)
      process.exit(78) // EX_CONFIG
    }
    throw err
  }
  // Whatever the umask we were given: DATA_DIR holds secrets, and PGlite creates its files 0666.
  process.umask(0o077)
  try {
    prepareDataDir(config.dataDir)
  } catch (err) {
    if (err instanceof DataDirError) {
      process.stderr.write(`TovWatch cannot start: ${err.message}\n`)
      process.exit(78)
    }
    throw err
  }
  const logger = createLogger(config.logLevel, config.logFile)
  const metrics = createMetrics(new Registry())
  const deps = await createDeps(config, logger, metrics)
  const tightened = tightenTree(config.dataDir)
  if (tightened > 0) logger.warn({ dataDir: config.dataDir, files: tightened }, 'made files in DATA_DIR private to this user (0600/0700)')
  const app = await buildApp(config, deps, { logger, metrics })

  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err !== undefined) logger.error({ err }, 'closing after an error')
    else logger.info({ signal }, 'closing')
    await app.close()
    await deps.close()
  })

  await app.listen({ port: config.port, host: config.host })
  logger.info(`TovWatch is at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}${config.basePath}/`)
}

main().catch((err) => {
  process.stderr.write(`TovWatch failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
