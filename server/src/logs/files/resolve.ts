import fs from 'node:fs/promises'
import path from 'node:path'
import { glob, isDynamicPattern } from 'tinyglobby'

export interface LogFile { path: string, mtimeMs: number, size: number }

export interface Resolved {
  files: LogFile[]
  /** Configured files that cannot be read, each naming the file: these make an answer incomplete. */
  problems: string[]
  /** Globs that match nothing yet (not an error: e.g. TovWatch's own log before its first line). */
  empty: string[]
}

async function statRegular (file: string): Promise<{ file?: LogFile, problem?: string }> {
  try {
    const st = await fs.stat(file)
    if (st.isDirectory()) return { problem: `log file ${file} is a directory, not a file` }
    // A FIFO or device would block or never end; only regular files are read.
    if (!st.isFile()) return { problem: `log file ${file} is not a regular file` }
    return { file: { path: file, mtimeMs: st.mtimeMs, size: st.size } }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { problem: `log file ${file} does not exist` }
    return { problem: `log file ${file} cannot be read (${code ?? (err as Error).message})` }
  }
}

/** Expands LOG_FILES: globs may match nothing; a literal path that is missing or unreadable is a problem. */
export async function resolveLogFiles (patterns: readonly string[]): Promise<Resolved> {
  const out: Resolved = { files: [], problems: [], empty: [] }
  const seen = new Set<string>()
  for (const pattern of patterns) {
    let candidates: string[]
    if (isDynamicPattern(pattern)) {
      candidates = await glob(pattern, { absolute: true, onlyFiles: true, dot: false, followSymbolicLinks: true })
      if (candidates.length === 0) { out.empty.push(pattern); continue }
    } else {
      candidates = [path.resolve(pattern)]
    }
    for (const c of candidates.sort()) {
      if (seen.has(c)) continue
      seen.add(c)
      const { file, problem } = await statRegular(c)
      if (file !== undefined) out.files.push(file)
      if (problem !== undefined) out.problems.push(problem)
    }
  }
  return out
}
