import fs from 'node:fs'
import pg from 'pg'
import { quoteIdent } from '../../infra/postgres.js'
import { CliError, connectionEnv, run, withDatabase } from './pg-tools.js'

export const SCHEDULING_TABLES = ['players', 'games', 'player_games', 'friendships', 'availability_windows', 'availability_exceptions',
  'session_requests', 'sessions', 'audit_log', 'api_tokens', 'idempotency_keys'] as const

export interface RestoreArgs { file: string, into: string, force: boolean, noOwner: boolean }
const USAGE = 'usage: npm run restore -- FILE --into NAME [--force] [--no-owner]'

export function parseRestoreArgs (argv: string[]): RestoreArgs {
  let file: string | undefined
  let into: string | undefined
  let force = false
  let noOwner = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--into') into = argv[++i]
    else if (a.startsWith('--into=')) into = a.slice(7)
    else if (a === '--force') force = true
    else if (a === '--no-owner') noOwner = true
    else if (a.startsWith('--')) throw new CliError(`unknown option ${a}. ${USAGE}`, 64)
    else if (file === undefined) file = a
    else throw new CliError(`one FILE only. ${USAGE}`, 64)
  }
  if (file === undefined || into === undefined) throw new CliError(USAGE, 64)
  // A plain identifier only: it becomes a database name in SQL and in a URL.
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(into)) throw new CliError(`"${into.slice(0, 80)}" is not a plain database name (letters, digits and _, at most 63, not starting with a digit).`, 64)
  return { file, into, force, noOwner }
}

/**
 * Creates database `into` on DATABASE_URL's server and restores the dump into it. Refuses an
 * existing database (a live one, perhaps) unless --force, and drops what it created on failure.
 */
export async function runRestore (opts: RestoreArgs & { databaseUrl: string | undefined, pgRestore?: string }): Promise<{ database: string, rowCounts: Record<string, number> }> {
  if (opts.databaseUrl === undefined) throw new CliError('DATABASE_URL is unset: restore needs a real PostgreSQL server to create the database on (the embedded PGlite has no pg_restore).', 78)
  if (!fs.existsSync(opts.file)) throw new CliError(`${opts.file} does not exist.`, 66)
  const { env } = connectionEnv(opts.databaseUrl)
  const bin = opts.pgRestore ?? 'pg_restore'
  await run(bin, ['--list', opts.file], env)

  const admin = new pg.Client({ connectionString: withDatabase(opts.databaseUrl, 'postgres'), connectionTimeoutMillis: 10_000 })
  await admin.connect().catch((err: Error) => { throw new CliError(`cannot reach the PostgreSQL server: ${err.message}`) })
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.into])).rowCount === 1
    if (exists && !opts.force) {
      throw new CliError(`database "${opts.into}" exists already. Restoring would overwrite it; choose a new name, or pass --force to drop and replace it.`, 73)
    }
    if (exists) await admin.query(`DROP DATABASE ${quoteIdent(opts.into)} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${quoteIdent(opts.into)}`)
    const target = withDatabase(opts.databaseUrl, opts.into)
    try {
      await run(bin, ['--exit-on-error', '--no-password', ...(opts.noOwner ? ['--no-owner', '--no-privileges'] : []), `--dbname=${connectionEnv(target).url}`, opts.file], env)
    } catch (err) {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(opts.into)} WITH (FORCE)`).catch(() => {})
      throw err
    }
    return { database: opts.into, rowCounts: await rowCounts(target) }
  } finally {
    await admin.end()
  }
}

export async function rowCounts (databaseUrl: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: databaseUrl })
  await c.connect()
  try {
    const out: Record<string, number> = {}
    for (const t of SCHEDULING_TABLES) {
      const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(t)}`).catch(() => undefined)
      if (r !== undefined) out[t] = r.rows[0]?.n ?? 0
    }
    return out
  } finally {
    await c.end()
  }
}
