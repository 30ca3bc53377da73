import fs from 'node:fs'
import path from 'node:path'

const ROOT = '/usr/lib/postgresql'

/**
 * The bin directory of the installed PostgreSQL server (initdb, pg_ctl, postgres, psql):
 * PG_BIN when set, else the newest /usr/lib/postgresql/<version>/bin that has initdb.
 * Undefined when there is none.
 */
export function findPgBin (env: NodeJS.ProcessEnv = process.env, root = ROOT): string | undefined {
  if (env.PG_BIN !== undefined && env.PG_BIN !== '') return fs.existsSync(path.join(env.PG_BIN, 'initdb')) ? env.PG_BIN : undefined
  let versions: string[]
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v))
  } catch {
    return undefined
  }
  versions.sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const bin = path.join(root, v, 'bin')
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin
  }
  return undefined
}

/**
 * Like have(): true when the server binaries are there. Missing, a test is skipped
 * with a message, but under CI=true it throws, so a missing component fails the run.
 */
export function havePgBin (env: NodeJS.ProcessEnv = process.env, root = ROOT): boolean {
  if (findPgBin(env, root) !== undefined) return true
  const msg = `missing component: the PostgreSQL server binaries (initdb) in ${env.PG_BIN !== undefined && env.PG_BIN !== '' ? `PG_BIN=${env.PG_BIN}` : `${root}/*/bin`}`
  if (env.CI === 'true') throw new Error(`${msg} — CI=true requires them (see .ci/run)`)
  console.warn(`skipping: ${msg}`)
  return false
}

/** The bin directory, for code that runs only after havePgBin() said yes. */
export function pgBin (): string {
  const bin = findPgBin()
  if (bin === undefined) throw new Error(`no PostgreSQL server binaries found (set PG_BIN or install them under ${ROOT}/<version>/bin)`)
  return bin
}
