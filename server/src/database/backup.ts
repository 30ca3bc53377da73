import fs from 'node:fs/promises'
import path from 'node:path'
import type pg from 'pg'
import { quoteIdent } from '../infra/postgres.js'
import { redactText } from '../infra/logger.js'

export interface BackupState {
  source: 'dir' | 'table' | 'none'
  lastGoodAt: string | null
  ageSeconds: number | null
  maxAgeHours: number
  stale: boolean
  /**
   * True when lastGoodAt is a verified backup (a `.dump.ok.json` sidecar, or an ok row of
   * the backup table). False when it is only the newest dump file in BACKUP_DIR, which
   * another tool wrote and nobody checked; false too when there is none.
   */
  verified: boolean
  message: string
}

/**
 * Dump files another tool may leave in BACKUP_DIR: pg_dump's custom (.dump, .backup,
 * .pgdump), plain (.sql) and tar (.tar) formats, maybe compressed. A directory-format
 * dump is a directory with a toc.dat.
 */
const DUMP_FILE = /\.(dump|backup|pgdump|sql|tar)(\.(gz|bz2|xz|zst|lz4))?$/i
const SIDECAR = '.dump.ok.json'

/**
 * Freshness of the last VERIFIED backup: the newest `*.dump.ok.json` sidecar (written
 * only after pg_restore --list accepted the dump), or max(finished_at) of the
 * backup table's rows that are ok. A directory with no sidecar at all (dumps written
 * by another tool) falls back to its newest non-empty dump file by mtime, marked unverified.
 */
export async function checkBackup (opts: { dir: string | undefined, table: string | undefined, maxAgeH: number, store: pg.Pool }, now = new Date()): Promise<BackupState> {
  const maxAgeHours = opts.maxAgeH
  let lastGood: Date | null = null
  let verified = true
  let file: string | null = null
  let where: string
  let source: BackupState['source']
  try {
    if (opts.table !== undefined) {
      source = 'table'
      where = `table ${opts.table}`
      const ident = opts.table.split('.').map(quoteIdent).join('.')
      const r = await opts.store.query<{ at: Date | null }>(`SELECT max(finished_at) AS at FROM ${ident} WHERE ok`)
      lastGood = r.rows[0]?.at ?? null
    } else if (opts.dir !== undefined) {
      source = 'dir'
      where = opts.dir
      const found = await newestInDir(opts.dir)
      lastGood = found.sidecar
      if (found.sidecarCount === 0 && found.dump !== null) {
        lastGood = found.dump.at
        file = found.dump.name
        verified = false
      }
    } else {
      return { source: 'none', lastGoodAt: null, ageSeconds: null, maxAgeHours, stale: true, verified: false, message: 'no backup source configured (BACKUP_DIR or BACKUP_TABLE)' }
    }
  } catch (err) {
    const src = opts.table !== undefined ? 'table' : 'dir'
    return { source: src, lastGoodAt: null, ageSeconds: null, maxAgeHours, stale: true, verified: false, message: `cannot read backups: ${redactText((err as Error).message)}` }
  }
  if (lastGood === null) return { source, lastGoodAt: null, ageSeconds: null, maxAgeHours, stale: true, verified: false, message: `no backup found in ${where}` }
  const ageSeconds = Math.max(0, Math.round((now.getTime() - lastGood.getTime()) / 1000))
  const stale = ageSeconds > maxAgeHours * 3600
  const hours = (ageSeconds / 3600).toFixed(1)
  const what = verified ? 'the last good backup' : `the newest dump file (${file ?? '?'}, UNVERIFIED: no ${SIDECAR} sidecar in ${where}, so nobody checked that it restores; its modification time is taken)`
  return {
    source,
    lastGoodAt: lastGood.toISOString(),
    ageSeconds,
    maxAgeHours,
    stale,
    verified,
    message: stale
      ? `${what} is ${hours} h old, older than BACKUP_MAX_AGE_H (${maxAgeHours} h)`
      : verified ? `last good backup ${hours} h ago` : `${what} is ${hours} h old`,
  }
}

interface DirFindings { sidecar: Date | null, sidecarCount: number, dump: { name: string, at: Date } | null }

async function newestInDir (dir: string): Promise<DirFindings> {
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sidecar: null, sidecarCount: 0, dump: null }
    throw err
  }
  let newest: Date | null = null
  const sidecars = names.filter((n) => n.endsWith(SIDECAR))
  for (const name of sidecars) {
    let at: Date | null = null
    try {
      const body = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as { finishedAt?: unknown }
      const d = typeof body.finishedAt === 'string' ? new Date(body.finishedAt) : null
      at = d !== null && !Number.isNaN(d.getTime()) ? d : null
    } catch {
      at = null
    }
    // A sidecar without a readable finishedAt still proves a verified dump: use its mtime.
    at ??= (await fs.stat(path.join(dir, name)).catch(() => null))?.mtime ?? null
    if (at !== null && (newest === null || at > newest)) newest = at
  }
  if (sidecars.length > 0) return { sidecar: newest, sidecarCount: sidecars.length, dump: null }
  let dump: DirFindings['dump'] = null
  for (const name of names) {
    const at = await dumpTime(dir, name)
    if (at !== null && (dump === null || at > dump.at)) dump = { name, at }
  }
  return { sidecar: null, sidecarCount: 0, dump }
}

/** The mtime of a dump file (empty files are failed dumps) or of a directory-format dump's toc.dat. */
async function dumpTime (dir: string, name: string): Promise<Date | null> {
  const st = await fs.stat(path.join(dir, name)).catch(() => null)
  if (st === null) return null
  if (st.isFile()) return DUMP_FILE.test(name) && st.size > 0 ? st.mtime : null
  if (!st.isDirectory()) return null
  const toc = await fs.stat(path.join(dir, name, 'toc.dat')).catch(() => null)
  return toc !== null && toc.isFile() && toc.size > 0 ? toc.mtime : null
}
