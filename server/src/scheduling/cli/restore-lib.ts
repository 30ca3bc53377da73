import crypto from 'node:crypto'
import fs from 'node:fs'
import pg from 'pg'
import { pgErrorCode, quoteIdent } from '../../infra/postgres.js'
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

/** What a restore did. `leftover`: a database the restore could not drop at the end (named, to drop by hand). */
export interface RestoreResult { database: string, rowCounts: Record<string, number>, replaced: boolean, leftover?: string }

const OBJECT_IN_USE = '55006'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const suffix = () => crypto.randomBytes(3).toString('hex')

/** TABLE entries of a dump's table of contents (not TABLE DATA): what a complete restore must hold at least. */
export function tablesListed (list: string): number {
  return list.split('\n').filter((l) => /^\d+; \d+ \d+ TABLE (?!DATA )/.test(l)).length
}

/**
 * Restores the dump into database `into` on DATABASE_URL's server, without ever leaving `into`
 * half-restored or missing: pg_restore fills a new database under a temporary name
 * (`<into>_restoring_<hex>`), which is checked (it must hold every table the dump lists) and only
 * then renamed to `into`. An existing `into` (a live database, perhaps) is refused unless --force;
 * with --force it is replaced only after that check: it is closed to new connections, its sessions
 * are ended, it is renamed aside (`<into>_replaced_<hex>`), the new one takes its name, and then the
 * old one is dropped. Any failure before the swap leaves the original untouched and drops the
 * temporary database.
 */
export async function runRestore (opts: RestoreArgs & { databaseUrl: string | undefined, pgRestore?: string, inUseWaitMs?: number }): Promise<RestoreResult> {
  if (opts.databaseUrl === undefined) throw new CliError('DATABASE_URL is unset: restore needs a real PostgreSQL server to create the database on (the embedded PGlite has no pg_restore).', 78)
  if (!fs.existsSync(opts.file)) throw new CliError(`${opts.file} does not exist.`, 66)
  const { env } = connectionEnv(opts.databaseUrl)
  const bin = opts.pgRestore ?? 'pg_restore'
  const listed = tablesListed((await run(bin, ['--list', opts.file], env)).stdout)

  const admin = new pg.Client({ connectionString: withDatabase(opts.databaseUrl, 'postgres'), connectionTimeoutMillis: 10_000 })
  await admin.connect().catch((err: Error) => { throw new CliError(`cannot reach the PostgreSQL server: ${err.message}`) })
  const exists = async (name: string) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1
  const drop = (name: string) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
  try {
    const replacing = await exists(opts.into)
    if (replacing && !opts.force) {
      throw new CliError(`database "${opts.into}" exists already. Restoring would overwrite it; choose a new name, or pass --force to replace it (only once the restore has succeeded).`, 73)
    }
    if (replacing && listed === 0) throw new CliError(`${opts.file} lists no tables: refusing to replace database "${opts.into}" with it.`, 65)
    const temp = `${opts.into.slice(0, 40)}_restoring_${suffix()}`
    await admin.query(`CREATE DATABASE ${quoteIdent(temp)}`)
    let swapped = false
    try {
      const tempUrl = withDatabase(opts.databaseUrl, temp)
      await run(bin, ['--exit-on-error', '--no-password', ...(opts.noOwner ? ['--no-owner', '--no-privileges'] : []), `--dbname=${connectionEnv(tempUrl).url}`, opts.file], env)
      const restoredTables = await countTables(tempUrl)
      if (restoredTables < listed) {
        throw new CliError(`the restore looks incomplete: ${restoredTables} table(s) in the restored copy, ${listed} listed in ${opts.file}.` +
          (replacing ? ` Database "${opts.into}" was left as it was.` : ''), 65)
      }
      let leftover: string | undefined
      if (replacing) {
        const aside = `${opts.into.slice(0, 40)}_replaced_${suffix()}`
        await renameAside(admin, opts.into, aside, opts.inUseWaitMs ?? 10_000)
        try {
          await admin.query(`ALTER DATABASE ${quoteIdent(temp)} RENAME TO ${quoteIdent(opts.into)}`)
        } catch (err) {
          await admin.query(`ALTER DATABASE ${quoteIdent(aside)} RENAME TO ${quoteIdent(opts.into)}; ALTER DATABASE ${quoteIdent(opts.into)} ALLOW_CONNECTIONS true`)
            .catch((back: Error) => {
              throw new CliError(`the restored copy could not take the name "${opts.into}" (${(err as Error).message}), and the original could not get it back (${back.message}). ` +
                `The original is intact under the name "${aside}": ALTER DATABASE "${aside}" RENAME TO "${opts.into}"; ALTER DATABASE "${opts.into}" ALLOW_CONNECTIONS true;`)
            })
          throw err
        }
        swapped = true
        await drop(aside).catch(() => { leftover = aside })
      } else {
        await admin.query(`ALTER DATABASE ${quoteIdent(temp)} RENAME TO ${quoteIdent(opts.into)}`)
        swapped = true
      }
      const counts = await rowCounts(withDatabase(opts.databaseUrl, opts.into))
      return { database: opts.into, rowCounts: counts, replaced: replacing, ...(leftover !== undefined ? { leftover } : {}) }
    } finally {
      if (!swapped) await drop(temp).catch(() => {})
    }
  } finally {
    await admin.end()
  }
}

/**
 * Takes the live database out of its name: no new connections, its sessions ended (retried while
 * they are still going away), then renamed. On failure it is opened again under its own name.
 */
async function renameAside (admin: pg.Client, name: string, aside: string, waitMs: number): Promise<void> {
  await admin.query(`ALTER DATABASE ${quoteIdent(name)} ALLOW_CONNECTIONS false`)
  const deadline = Date.now() + waitMs
  try {
    for (;;) {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
      try {
        await admin.query(`ALTER DATABASE ${quoteIdent(name)} RENAME TO ${quoteIdent(aside)}`)
        return
      } catch (err) {
        if (pgErrorCode(err) !== OBJECT_IN_USE || Date.now() > deadline) throw err
        await sleep(100)
      }
    }
  } catch (err) {
    await admin.query(`ALTER DATABASE ${quoteIdent(name)} ALLOW_CONNECTIONS true`).catch(() => {})
    throw new CliError(`could not take database "${name}" out of use to replace it (${(err as Error).message}); it was left as it was. ` +
      'Ending its sessions needs a superuser or the pg_signal_backend role: stop the application and retry.')
  }
}

async function countTables (databaseUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl })
  await c.connect()
  try {
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`)
    return r.rows[0]?.n ?? 0
  } finally {
    await c.end()
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
