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
  message: string
}

/**
 * Freshness of the last VERIFIED backup: the newest `*.dump.ok.json` sidecar (written
 * only after pg_restore --list accepted the dump), or max(finished_at) of the
 * backup table's rows that are ok.
 */
export async function checkBackup (opts: { dir: string | undefined, table: string | undefined, maxAgeH: number, store: pg.Pool }, now = new Date()): Promise<BackupState> {
  const maxAgeHours = opts.maxAgeH
  let lastGood: Date | null = null
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
      lastGood = await newestSidecar(opts.dir)
    } else {
      return { source: 'none', lastGoodAt: null, ageSeconds: null, maxAgeHours, stale: true, message: 'no backup source configured (BACKUP_DIR or BACKUP_TABLE)' }
    }
  } catch (err) {
    const src = opts.table !== undefined ? 'table' : 'dir'
    return { source: src, lastGoodAt: null, ageSeconds: null, maxAgeHours, stale: true, message: `cannot read backups: ${redactText((err as Error).message)}` }
  }
  if (lastGood === null) return { source, lastGoodAt: null, ageSeconds: null, maxAgeHours, stale: true, message: `no backup found in ${where}` }
  const ageSeconds = Math.max(0, Math.round((now.getTime() - lastGood.getTime()) / 1000))
  const stale = ageSeconds > maxAgeHours * 3600
  const hours = (ageSeconds / 3600).toFixed(1)
  return {
    source,
    lastGoodAt: lastGood.toISOString(),
    ageSeconds,
    maxAgeHours,
    stale,
    message: stale ? `the last good backup is ${hours} h old, older than BACKUP_MAX_AGE_H (${maxAgeHours} h)` : `last good backup ${hours} h ago`,
  }
}

async function newestSidecar (dir: string): Promise<Date | null> {
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  let newest: Date | null = null
  for (const name of names.filter((n) => n.endsWith('.dump.ok.json'))) {
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
  return newest
}
