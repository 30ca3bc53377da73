import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { runSqlMigrations } from '../infra/migrate.js'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/** Brings the alert tables up to date (plain SQL files, migrations table `pgmigrations_alerts`). */
export async function migrateAlertStore (pool: pg.Pool, log: (msg: string) => void): Promise<void> {
  await runSqlMigrations(pool, DIR, 'pgmigrations_alerts', log)
}
