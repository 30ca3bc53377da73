import { runner } from 'node-pg-migrate'
import type pg from 'pg'

/**
 * Brings one part's tables up to date: node-pg-migrate over a folder of plain SQL files, with
 * the part's own migrations table, so parts never interleave. One dedicated client: on the
 * embedded PGlite every query runs in the same session.
 */
export async function runSqlMigrations (pool: pg.Pool, dir: string, migrationsTable: string, log: (msg: string) => void): Promise<void> {
  const client = await pool.connect()
  // A checked-out client has no listener of the pool's: without one a dropped connection would crash the process.
  const onError = () => {}
  client.on('error', onError)
  try {
    await runner({ dbClient: client, dir, migrationsTable, direction: 'up', count: Infinity, checkOrder: true, log, verbose: false })
  } finally {
    client.off('error', onError)
    client.release()
  }
}
