import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type pg from 'pg'
import { Value } from 'typebox/value'
import { afterEach, describe, expect, it } from 'vitest'
import { checkBackup } from '../../src/database/backup.js'
import { DatabaseResponse } from '../../src/database/schemas.js'

const NOW = new Date(Date.UTC(2026, 0, 10, 12, 0, 0))
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000)
const noStore = {} as pg.Pool

let dir: string | undefined
afterEach(() => { if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true }); dir = undefined })

function backups (): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-backup-unit-'))
  return dir
}

function file (d: string, name: string, mtime: Date, body = 'PGDMP…'): void {
  fs.writeFileSync(path.join(d, name), body)
  fs.utimesSync(path.join(d, name), mtime, mtime)
}

const check = (d: string, maxAgeH = 6) => checkBackup({ dir: d, table: undefined, maxAgeH, store: noStore }, NOW)

describe('backup freshness from BACKUP_DIR', () => {
  it('falls back to the newest dump file of another tool, by mtime, marked unverified', async () => {
    const d = backups()
    file(d, 'tovplay_2026-01-09.sql.gz', hoursAgo(30))
    file(d, 'TovPlay-nightly.backup', hoursAgo(2))
    file(d, 'tovplay.dump', hoursAgo(5))
    file(d, 'notes.txt', hoursAgo(0.1))
    file(d, 'broken.dump', hoursAgo(0.5), '') // an empty file is a failed dump
    file(d, 'in-progress.dump.tmp', hoursAgo(0.2))
    const b = await check(d)
    expect(b).toMatchObject({ source: 'dir', verified: false, stale: false, lastGoodAt: hoursAgo(2).toISOString(), ageSeconds: 7200 })
    expect(b.message).toContain('TovPlay-nightly.backup')
    expect(b.message).toContain('UNVERIFIED')
    expect(b.message).toContain('2.0 h old')
    const body = { measuredAt: null, probeIntervalS: 15, stale: false, embedded: false, identity: { ok: true, status: 'ok', message: '', expectedDatabase: 'x', currentDatabase: 'x', serverVersion: '15', missingTables: [] }, tables: [], guards: [], backup: b, unavailable: [] }
    expect(Value.Check(DatabaseResponse, body)).toBe(true)
  })

  it('says an unverified dump is too old, and finds a directory-format dump by its toc.dat', async () => {
    const d = backups()
    file(d, 'old.sql', hoursAgo(9))
    let b = await check(d)
    expect(b).toMatchObject({ verified: false, stale: true })
    expect(b.message).toMatch(/old\.sql.*is 9\.0 h old, older than BACKUP_MAX_AGE_H \(6 h\)/)
    fs.mkdirSync(path.join(d, 'tovplay.dir'))
    file(path.join(d, 'tovplay.dir'), 'toc.dat', hoursAgo(1))
    fs.mkdirSync(path.join(d, 'not-a-dump'))
    b = await check(d)
    expect(b).toMatchObject({ verified: false, stale: false, lastGoodAt: hoursAgo(1).toISOString() })
    expect(b.message).toContain('tovplay.dir')
  })

  it('trusts only verified sidecars once there are any: a newer dump without one does not count', async () => {
    const d = backups()
    file(d, 'tovplay-20260110T000000Z.dump', hoursAgo(12))
    file(d, 'tovplay-20260110T000000Z.dump.ok.json', hoursAgo(12), JSON.stringify({ finishedAt: hoursAgo(12).toISOString() }))
    file(d, 'tovplay-20260110T110000Z.dump', hoursAgo(1))
    const b = await check(d)
    expect(b).toMatchObject({ verified: true, stale: true, lastGoodAt: hoursAgo(12).toISOString() })
    expect(b.message).toBe('the last good backup is 12.0 h old, older than BACKUP_MAX_AGE_H (6 h)')
  })

  it('still says "no backup found" for an empty or missing directory', async () => {
    const d = backups()
    expect(await check(d)).toMatchObject({ verified: false, stale: true, lastGoodAt: null, message: `no backup found in ${d}` })
    expect(await check(path.join(d, 'absent'))).toMatchObject({ verified: false, lastGoodAt: null })
  })
})
