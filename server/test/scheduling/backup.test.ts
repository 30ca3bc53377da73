import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backupName, runBackup } from '../../src/scheduling/cli/backup-lib.js'
import { withDatabase } from '../../src/scheduling/cli/pg-tools.js'
import { parseRestoreArgs, rowCounts, runRestore, tablesListed } from '../../src/scheduling/cli/restore-lib.js'
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
  it('counts the tables a dump lists, not their data entries', () => {
    const list = ';\n; Archive created at 2026-01-01\n214; 1259 48905 TABLE public a postgres\n215; 1259 48908 TABLE public b postgres\n' +
      '3342; 0 48905 TABLE DATA public a postgres\n3343; 0 48908 TABLE DATA public b postgres\n3200; 2606 48910 CONSTRAINT public a a_pkey postgres\n'
    expect(tablesListed(list)).toBe(2)
    expect(tablesListed(';\n; no entries\n')).toBe(0)
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

  describe('restore --force into a live database', () => {
    let good: string
    let corrupt: string
    let fakeRestore: string
    let live: string
    let liveUrl: string
    let sourceCounts: Record<string, number>
    const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL })
      await c.connect()
      try { return await fn(c) } finally { await c.end() }
    }
    /** Databases left by a restore under a temporary or aside name. */
    const strays = () => admin(async (c) => (await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 AND (datname LIKE '%\\_restoring\\_%' OR datname LIKE '%\\_replaced\\_%')", [`${db.name}%`])).rows.map((r) => r.datname))
    const allowsConnections = (name: string) => admin(async (c) => (await c.query('SELECT datallowconn FROM pg_database WHERE datname = $1', [name])).rows[0]?.datallowconn)
    /** The live database's own rows: one game that is not in the dump. */
    const liveGames = async () => {
      const c = new pg.Client({ connectionString: liveUrl })
      await c.connect()
      try { return (await c.query<{ name: string }>('SELECT name FROM games ORDER BY name')).rows.map((r) => r.name) } finally { await c.end() }
    }

    beforeAll(async () => {
      const d = path.join(dir, 'force')
      fs.mkdirSync(d)
      const b = await runBackup({ databaseUrl: db.url, dir: d, keep: 1, now: new Date('2026-02-01T00:00:00Z') })
      good = b.file
      sourceCounts = await rowCounts(db.url)
      // Cut at the end, in its data: the table of contents still reads (pg_restore --list passes), the restore fails.
      corrupt = path.join(d, 'corrupt.dump')
      const bytes = fs.readFileSync(good)
      fs.writeFileSync(corrupt, bytes.subarray(0, bytes.length - 200))
      // A pg_restore that lists the real dump's tables but restores nothing, and says it succeeded.
      fakeRestore = path.join(d, 'fake-pg_restore.sh')
      fs.writeFileSync(fakeRestore, '#!/bin/sh\nif [ "$1" = "--list" ]; then exec pg_restore "$@"; fi\nexit 0\n', { mode: 0o755 })
      live = `${db.name}_live`
      liveUrl = withDatabase(db.url, live)
      restored.push(live)
      await runRestore({ file: good, into: live, force: false, noOwner: false, databaseUrl: db.url })
      const c = new pg.Client({ connectionString: liveUrl })
      await c.connect()
      await c.query("INSERT INTO games (name) VALUES ('only in the live database')").finally(() => c.end())
    })

    it('a corrupt dump leaves the live database as it was, still open to its sessions, and no temporary database', async () => {
      const list = spawnSync('pg_restore', ['--list', corrupt], { encoding: 'utf8' })
      expect(list.status, list.stderr).toBe(0) // so this exercises a failing pg_restore, not a refused file
      const before = await rowCounts(liveUrl)
      const app = new pg.Client({ connectionString: liveUrl }) // the application, connected throughout
      await app.connect()
      try {
        const r = cli('restore', [corrupt, '--into', live, '--force'], { DATABASE_URL: db.url, DATA_DIR: dir })
        expect(r.status).not.toBe(0)
        expect(r.stderr).toMatch(/restore FAILED: pg_restore failed/)
        expect((await app.query('SELECT count(*)::int AS n FROM games')).rows[0].n).toBe(before.games)
      } finally {
        await app.end()
      }
      expect(await rowCounts(liveUrl)).toEqual(before)
      expect(await liveGames()).toContain('only in the live database')
      expect(await allowsConnections(live)).toBe(true)
      expect(await strays()).toEqual([])
    })

    it('a restore that reports success but holds fewer tables than the dump lists does not replace the live database', async () => {
      const before = await rowCounts(liveUrl)
      await expect(runRestore({ file: good, into: live, force: true, noOwner: false, databaseUrl: db.url, pgRestore: fakeRestore }))
        .rejects.toThrow(/restore looks incomplete: 0 table\(s\) in the restored copy, \d+ listed.*was left as it was/)
      expect(await rowCounts(liveUrl)).toEqual(before)
      expect(await liveGames()).toContain('only in the live database')
      expect(await strays()).toEqual([])
    })

    it('a good dump replaces the live database, ending the sessions still connected to it', async () => {
      expect(await liveGames()).toContain('only in the live database')
      const app = new pg.Client({ connectionString: liveUrl })
      app.on('error', () => {}) // its session is ended by the restore
      await app.connect()
      try {
        const r = cli('restore', [good, '--into', live, '--force'], { DATABASE_URL: db.url, DATA_DIR: dir })
        expect(r.status, r.stderr).toBe(0)
        expect(r.stdout).toMatch(new RegExp(`restore ok: .* -> database ${live} \\(replaced the previous one\\)`))
        await expect(app.query('SELECT 1')).rejects.toThrow()
      } finally {
        await app.end().catch(() => {})
      }
      expect(await rowCounts(liveUrl)).toEqual(sourceCounts)
      expect(await liveGames()).not.toContain('only in the live database')
      expect(await allowsConnections(live)).toBe(true)
      expect(await strays()).toEqual([])
    })
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
