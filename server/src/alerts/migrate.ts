import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runner } from 'node-pg-migrate'
import type pg from 'pg'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/**
 * Brings the alert tables up to date (node-pg-migrate, plain SQL files, its own
 * migrations table so other parts' migrations never interleave with ours).
 * One dedicated client: on embedded PGlite every query runs in the same session.
 */
export async function migrateAlertStore (pool: pg.Pool, log: (msg: string) => void): Promise<void> {
  const client = await pool.connect()
  const onError = () => {}
  client.on('error', onError)
  try {
    await runner({
      dbClient: client,
      dir: DIR,
      migrationsTable: 'pgmigrations_alerts',
      direction: 'up',
      count: Infinity,
      checkOrder: true,
      log,
      verbose: false,
    })
  } finally {
    client.off('error', onError)
    client.release()
  }
}
