import { ConfigError, loadConfig } from '../../config.js'
import { redactText } from '../../infra/logger.js'
import { CliError } from './pg-tools.js'
import { parseRestoreArgs, runRestore } from './restore-lib.js'

/** `npm run restore -- FILE --into NAME [--force] [--no-owner]`: restore a dump into a new database. */
try {
  const args = parseRestoreArgs(process.argv.slice(2))
  const config = loadConfig(process.env)
  const r = await runRestore({ ...args, databaseUrl: config.databaseUrl })
  console.log(`restore ok: ${args.file} -> database ${r.database}${r.replaced ? ' (replaced the previous one)' : ''}`)
  if (r.leftover !== undefined) console.error(`restore: the previous database, renamed to ${r.leftover}, could not be dropped; drop it by hand when you no longer need it.`)
  for (const [table, n] of Object.entries(r.rowCounts)) console.log(`  ${table}: ${n} rows`)
} catch (err) {
  const code = err instanceof CliError ? err.exitCode : err instanceof ConfigError ? 78 : 1
  console.error(`restore FAILED: ${redactText((err as Error).message)}`)
  process.exit(code)
}
