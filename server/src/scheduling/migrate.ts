import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runner } from 'node-pg-migrate'
import type pg from 'pg'
import { PG_CODES, pgErrorCode } from '../infra/postgres.js'

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')
export const MIGRATIONS_TABLE = 'pgmigrations_scheduling'

/** Applies the scheduling core's migrations (node-pg-migrate, one transaction each, advisory lock). */
export function migrationNames (): string[] {
  return fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort()
}

/** Names not yet applied. Read first so that a least-privilege role (protect.sql) starts without any DDL. */
export async function pendingMigrations (pool: pg.Pool): Promise<string[]> {
  try {
    const { rows } = await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)
    const applied = new Set(rows.map((r) => r.name))
    return migrationNames().filter((n) => !applied.has(n))
  } catch (err) {
    if (pgErrorCode(err) === PG_CODES.undefinedTable) return migrationNames()
    throw err
  }
}

export async function migrate (pool: pg.Pool, log: { info: (msg: string) => void, warn: (msg: string) => void }): Promise<string[]> {
  const pending = await pendingMigrations(pool)
  if (pending.length === 0) return []
  log.info(`applying ${pending.length} scheduling migration(s)`)
  const client = await pool.connect()
  let failed = false
  try {
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      count: Infinity,
      checkOrder: true,
      // Concurrent instances wait for the one that migrates instead of failing their start.
      advisoryLockMode: 'wait',
      verbose: false,
      log: () => {},
      logger: { debug: () => {}, info: () => {}, warn: (m: string) => log.warn(m), error: (m: string) => log.warn(m) },
    })
    return applied.map((m) => m.name)
  } catch (err) {
    failed = true
    if (pgErrorCode(err) !== undefined || /must be owner|permission denied/.test((err as Error).message)) {
      throw new Error(`${pending.length} migration(s) pending (${pending.join(', ')}) and they failed: ${(err as Error).message.split('\n')[0]}. ` +
        'If TovWatch runs as the restricted application role, apply them once with the owner\'s DATABASE_URL.')
    }
    throw err
  } finally {
    // A failed migration leaves node-pg-migrate's session inside the aborted transaction (its unlock
    // runs there too): close that connection instead of handing it back to the pool.
    client.release(failed)
  }
}
