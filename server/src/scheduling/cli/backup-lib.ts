import fs from 'node:fs/promises'
import path from 'node:path'
import { databaseNameOf } from '../../config.js'
import { CliError, connectionEnv, run } from './pg-tools.js'

export interface BackupOptions {
  databaseUrl: string | undefined
  dir: string
  keep: number
  now?: Date
  pgDump?: string
  pgRestore?: string
}

export interface BackupResult { file: string, bytes: number, finishedAt: string, database: string, entries: number, removed: string[] }

const NAME_RE = /^tovplay-\d{8}T\d{6}Z\.dump$/

export function backupName (at: Date): string {
  return `tovplay-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}.dump`
}

/**
 * pg_dump -Fc into <dir>/tovplay-<UTC time>.dump, verified with pg_restore --list, then the
 * sidecar <name>.ok.json that the backup-freshness check reads; then keep only the newest `keep`.
 * The dump is written under a .partial name first, so a crash never leaves a "good" half dump.
 */
export async function runBackup (opts: BackupOptions): Promise<BackupResult> {
  if (opts.databaseUrl === undefined) {
    throw new CliError('DATABASE_URL is unset. The embedded PGlite has no pg_dump; backups need a real PostgreSQL (set DATABASE_URL).', 78)
  }
  const { url, env } = connectionEnv(opts.databaseUrl)
  const database = databaseNameOf(opts.databaseUrl) ?? 'postgres'
  const name = backupName(opts.now ?? new Date())
  const file = path.join(opts.dir, name)
  const partial = file + '.partial'
  await fs.mkdir(opts.dir, { recursive: true })
  try {
    await run(opts.pgDump ?? 'pg_dump', ['--format=custom', '--no-password', `--file=${partial}`, `--dbname=${url}`], env)
    const listed = await run(opts.pgRestore ?? 'pg_restore', ['--list', partial], env)
    const entries = listed.stdout.split('\n').filter((l) => /^\d+;/.test(l)).length
    if (entries === 0) throw new CliError(`pg_restore --list found no entries in ${partial}: the dump is not usable.`)
    await fs.rename(partial, file)
    const { size } = await fs.stat(file)
    const finishedAt = new Date().toISOString()
    const sidecar = { file: name, finishedAt, bytes: size, database }
    await fs.writeFile(file + '.ok.json.tmp', JSON.stringify(sidecar, null, 2) + '\n')
    await fs.rename(file + '.ok.json.tmp', file + '.ok.json')
    const removed = await prune(opts.dir, opts.keep)
    return { file, bytes: size, finishedAt, database, entries, removed }
  } finally {
    await fs.rm(partial, { force: true })
  }
}

/** Keeps the newest `keep` verified dumps (names sort by time); removes older dumps and their sidecars. */
async function prune (dir: string, keep: number): Promise<string[]> {
  const dumps = (await fs.readdir(dir)).filter((f) => NAME_RE.test(f)).sort()
  const old = dumps.slice(0, Math.max(0, dumps.length - keep))
  for (const f of old) {
    await fs.rm(path.join(dir, f + '.ok.json'), { force: true })
    await fs.rm(path.join(dir, f), { force: true })
  }
  return old
}
