import pg from 'pg'
import { quoteIdent } from '../../infra/postgres.js'
import type { BackupResult } from './backup-lib.js'

/**
 * With BACKUP_TABLE set, the freshness check reads max(finished_at) WHERE ok from that table
 * in TovWatch's store instead of the sidecars, so the backup is recorded there too.
 */
export async function recordInTable (storeUrl: string, table: string, r: BackupResult): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) throw new Error(`BACKUP_TABLE "${table}" is not a plain [schema.]table name`)
  const ident = table.split('.').map(quoteIdent).join('.')
  const c = new pg.Client({ connectionString: storeUrl, connectionTimeoutMillis: 10_000 })
  await c.connect()
  try {
    await c.query(`CREATE TABLE IF NOT EXISTS ${ident} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, file text NOT NULL,
      finished_at timestamptz NOT NULL, bytes bigint NOT NULL, database text NOT NULL, ok boolean NOT NULL)`)
    await c.query(`INSERT INTO ${ident} (file, finished_at, bytes, database, ok) VALUES ($1, $2, $3, $4, true)`,
      [r.file.split('/').pop(), r.finishedAt, r.bytes, r.database])
  } finally {
    await c.end()
  }
}
