import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backupName, runBackup } from '../../src/scheduling/cli/backup-lib.js'
import { parseRestoreArgs, rowCounts } from '../../src/scheduling/cli/restore-lib.js'
import { buildTestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'
import { at, befriend, createGame, createPlayer, post, propose } from './helpers.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const cli = (name: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(root, `server/src/scheduling/cli/${name}.ts`), ...args], { env: { ...process.env, ...env }, encoding: 'utf8', cwd: root })

describe('backup and restore arguments', () => {
  it('names dumps by UTC time', () => {
    expect(backupName(new Date('2026-11-22T03:04:05.678Z'))).toBe('tovplay-20261122T030405Z.dump')
  })
  it('refuses names that are not plain identifiers, and missing arguments', () => {
    expect(() => parseRestoreArgs(['f.dump', '--into', 'x"; DROP DATABASE tovplay; --'])).toThrow(/not a plain database name/)
    expect(() => parseRestoreArgs(['f.dump', '--into', '1abc'])).toThrow(/not a plain database name/)
    expect(() => parseRestoreArgs(['f.dump'])).toThrow(/usage: npm run restore/)
    expect(parseRestoreArgs(['f.dump', '--into=copy_1', '--force'])).toEqual({ file: 'f.dump', into: 'copy_1', force: true, noOwner: false })
  })
  it('says clearly that the embedded PGlite cannot be backed up with pg_dump', async () => {
    await expect(runBackup({ databaseUrl: undefined, dir: os.tmpdir(), keep: 1 })).rejects.toThrow(/embedded PGlite has no pg_dump/)
  })
})

describe.skipIf(!(await have('postgres', 'pg_dump')))('backup then restore on the real PostgreSQL', () => {
  let db: TestDatabase
  let dir: string
  const restored: string[] = []
  beforeAll(async () => {
    db = await createTestDatabase('tw_sched_backup')
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-backup-'))
    const t = await buildTestApp({ DATABASE_URL: db.url }, { parts: { errors: false, database: false, alerts: false, web: false } })
    try {
      const a = await createPlayer(t.app, 'Dana', 'Europe/London')
      const b = await createPlayer(t.app, 'Eli', 'Asia/Jerusalem')
      await befriend(t.app, a, b)
      const game = await createGame(t.app)
      for (let i = 0; i < 3; i++) {
        const r = await propose(t.app, a, b, game, at(2 + i, 12))
        if (i < 2) await post(t.app, b, `/api/requests/${r.json().id}/accept`)
      }
    } finally {
      await t.close()
    }
  })
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
    await admin.connect()
    for (const name of restored) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await admin.end()
    await db?.drop()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('writes a verified dump with its sidecar and keeps only the newest N', async () => {
    const times = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']
    for (const t of times) await runBackup({ databaseUrl: db.url, dir, keep: 2, now: new Date(t) })
    const files = fs.readdirSync(dir).sort()
    expect(files).toEqual([
      'tovplay-20260102T000000Z.dump', 'tovplay-20260102T000000Z.dump.ok.json',
      'tovplay-20260103T000000Z.dump', 'tovplay-20260103T000000Z.dump.ok.json',
    ])
    const sidecar = JSON.parse(fs.readFileSync(path.join(dir, 'tovplay-20260103T000000Z.dump.ok.json'), 'utf8'))
    expect(sidecar).toMatchObject({ file: 'tovplay-20260103T000000Z.dump', database: db.name })
    expect(sidecar.bytes).toBe(fs.statSync(path.join(dir, 'tovplay-20260103T000000Z.dump')).size)
    expect(Date.parse(sidecar.finishedAt)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('npm run backup, then npm run restore into a new database, gives the same row counts', async () => {
    const bdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-backup-cli-'))
    try {
      const b = cli('backup', [], { DATABASE_URL: db.url, BACKUP_DIR: bdir, BACKUP_KEEP: '3', DATA_DIR: bdir, BACKUP_TABLE: 'public.tovwatch_backups' })
      expect(b.status, b.stderr).toBe(0)
      const c = new pg.Client({ connectionString: db.url })
      await c.connect()
      const recorded = await c.query('SELECT file, ok FROM tovwatch_backups').finally(() => c.end())
      expect(recorded.rows).toEqual([{ file: expect.stringMatching(/^tovplay-\d{8}T\d{6}Z\.dump$/), ok: true }])
      expect(b.stdout).toMatch(/backup ok: .*tovplay-\d{8}T\d{6}Z\.dump/)
      const dump = fs.readdirSync(bdir).find((f) => f.endsWith('.dump')) as string
      const into = `${db.name}_restored`
      restored.push(into)
      const r = cli('restore', [path.join(bdir, dump), '--into', into], { DATABASE_URL: db.url, DATA_DIR: bdir })
      expect(r.status, r.stderr).toBe(0)
      const before = await rowCounts(db.url)
      const after = await rowCounts(db.url.replace(`/${db.name}`, `/${into}`))
      expect(before.sessions).toBe(2)
      expect(before.audit_log).toBeGreaterThan(10)
      expect(after).toEqual(before)

      const again = cli('restore', [path.join(bdir, dump), '--into', into], { DATABASE_URL: db.url, DATA_DIR: bdir })
      expect(again.status).not.toBe(0)
      expect(again.stderr).toMatch(/exists already.*--force/)
      const forced = cli('restore', [path.join(bdir, dump), '--into', into, '--force'], { DATABASE_URL: db.url, DATA_DIR: bdir })
      expect(forced.status, forced.stderr).toBe(0)
    } finally {
      fs.rmSync(bdir, { recursive: true, force: true })
    }
  })

  it('fails clearly, without printing the password, when pg_dump is missing or the database is unreachable', async () => {
    await expect(runBackup({ databaseUrl: db.url, dir, keep: 2, pgDump: '/nonexistent/pg_dump' })).rejects.toThrow(/pg_dump was not found on PATH/)
    const bad = cli('backup', [], { DATABASE_URL: 'postgresql://tovplay:s3cr3t-pass@127.0.0.1:1/tovplay', BACKUP_DIR: dir, DATA_DIR: dir })
    expect(bad.status).not.toBe(0)
    expect(bad.stderr).toMatch(/backup FAILED: pg_dump failed/)
    expect(bad.stdout + bad.stderr).not.toContain('s3cr3t-pass')
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([])
  })
})
