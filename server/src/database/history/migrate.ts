import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { runSqlMigrations } from '../../infra/migrate.js'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/** The history table (plain SQL files, migrations table `pgmigrations_db_history`). */
export async function migrateHistoryStore (pool: pg.Pool, log: (msg: string) => void): Promise<void> {
  await runSqlMigrations(pool, DIR, 'pgmigrations_db_history', log)
}
