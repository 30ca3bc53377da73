import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { runSqlMigrations } from '../../infra/migrate.js'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

/** The error lifecycle's tables (plain SQL files, migrations table `pgmigrations_error_lifecycle`). */
export async function migrateLifecycleStore (pool: pg.Pool, log: (msg: string) => void): Promise<void> {
  await runSqlMigrations(pool, DIR, 'pgmigrations_error_lifecycle', log)
}
