import fs from 'node:fs'
import path from 'node:path'

/** Files under DATA_DIR hold token hashes, signing secrets, the embedded database and logs. */
const DIR_MODE = 0o700
const FILE_MODE = 0o600

export class DataDirError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'DataDirError'
  }
}

/**
 * Creates DATA_DIR 0700, or refuses it when another user could write into it: they could
 * plant a token hash or a signing secret, or swap the embedded database.
 */
export function prepareDataDir (dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE })
  const st = fs.statSync(dir)
  if (!st.isDirectory()) throw new DataDirError(`DATA_DIR ${dir} is not a directory`)
  if ((st.mode & 0o022) !== 0) {
    throw new DataDirError(`DATA_DIR ${dir} is writable by ${(st.mode & 0o002) !== 0 ? 'other users' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}): ` +
      `run chmod 700 ${dir} (and check what is in it), then start again`)
  }
  if ((st.mode & 0o777) !== DIR_MODE) fs.chmodSync(dir, DIR_MODE)
}

/**
 * Makes everything under `dir` private to this user: directories 0700, files 0600. The
 * process umask (077, set by main.ts) covers what is created from now on; this fixes what an
 * older version or another umask left behind. Symbolic links are not followed.
 * Returns how many modes it changed.
 */
export function tightenTree (dir: string): number {
  let changed = 0
  const walk = (p: string) => {
    let st: fs.Stats
    try {
      st = fs.lstatSync(p)
    } catch {
      return // removed meanwhile (a PGlite temp file)
    }
    if (st.isSymbolicLink()) return
    const want = st.isDirectory() ? DIR_MODE : FILE_MODE
    if ((st.mode & 0o777) !== want) {
      try {
        fs.chmodSync(p, want)
        changed++
      } catch {}
    }
    if (st.isDirectory()) {
      let names: string[] = []
      try {
        names = fs.readdirSync(p)
      } catch {}
      for (const n of names) walk(path.join(p, n))
    }
  }
  walk(dir)
  return changed
}

/** Modes under `dir` that another user could read or write: path → octal mode. */
export function looseModes (dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (p: string) => {
    const st = fs.lstatSync(p)
    if (st.isSymbolicLink()) return
    if ((st.mode & 0o077) !== 0) out[path.relative(dir, p) || '.'] = (st.mode & 0o777).toString(8)
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n))
  }
  walk(dir)
  return out
}
