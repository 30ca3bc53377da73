import { ConfigError, loadConfig } from '../../config.js'
import { redactText } from '../../infra/logger.js'
import { runBackup } from './backup-lib.js'
import { CliError } from './pg-tools.js'
import { recordInTable } from './record.js'

/** `npm run backup`: pg_dump of DATABASE_URL into BACKUP_DIR, verified, keeping BACKUP_KEEP. */
// A dump holds every row: readable by this user only (BACKUP_DIR defaults to DATA_DIR/backups).
process.umask(0o077)
try {
  const config = loadConfig(process.env)
  const r = await runBackup({ databaseUrl: config.databaseUrl, dir: config.database.backup.dir as string, keep: config.database.backup.keep })
  console.log(`backup ok: ${r.file} (${r.bytes} bytes, ${r.entries} entries, database ${r.database})`)
  if (config.database.backup.table !== undefined) {
    await recordInTable(config.tovwatchDatabaseUrl ?? config.databaseUrl as string, config.database.backup.table, r)
    console.log(`recorded in ${config.database.backup.table}`)
  }
  if (r.removed.length > 0) console.log(`removed ${r.removed.length} older backup(s): ${r.removed.join(', ')}`)
} catch (err) {
  const code = err instanceof CliError ? err.exitCode : err instanceof ConfigError ? 78 : 1
  console.error(`backup FAILED: ${redactText((err as Error).message)}`)
  process.exit(code)
}
