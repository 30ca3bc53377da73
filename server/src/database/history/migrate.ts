import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runner } from 'node-pg-migrate'
import type pg from 'pg'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/** The history table, with its own migrations table (as the alert store does). One dedicated client: PGlite is one session. */
export async function migrateHistoryStore (pool: pg.Pool, log: (msg: string) => void): Promise<void> {
  const client = await pool.connect()
  const onError = () => {}
  client.on('error', onError)
  try {
    await runner({ dbClient: client, dir: DIR, migrationsTable: 'pgmigrations_db_history', direction: 'up', count: Infinity, checkOrder: true, log, verbose: false })
  } finally {
    client.off('error', onError)
    client.release()
  }
}
