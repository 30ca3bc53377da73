import type { AddressInfo } from 'node:net'
import pg from 'pg'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { CORE_SCHEMA, sql } from '../database/helpers/watch.js'
import { launchChromium, watchPage } from './e2e-helpers.js'
import { ensureUiBuilt } from './ui-build.js'

// The 403 is one the test fakes on purpose, to see the server's message shown.
const EXPECTED = /^console: Failed to load resource: the server responded with a status of 403|^http 403 \/logs\/api\/connections\/terminate-idle$/

/**
 * The runbook's admin actions in the UI, against a real PostgreSQL: reset a tripped row guard in
 * the Database view, and terminate an idle connection from the Connections view. Viewers see
 * neither button; both ask for confirmation; both go through the session's CSRF header.
 */
describe.skipIf(!(await have('chromium')) || !(await have('postgres')))('admin actions in the web UI (headless Chromium, real PostgreSQL)', () => {
  let db: TestDatabase
  let t: TestApp
  let browser: Browser
  let app: string
  let idle: pg.Client
  let idlePid: number
  let inTx: pg.Client
  let inTxPid: number
  const problems: string[] = []
  const contexts: BrowserContext[] = []

  async function login (token: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    contexts.push(ctx)
    const page = await ctx.newPage()
    watchPage(page, problems)
    await page.goto(`${app}/logs/login`)
    await page.locator('#token').fill(token)
    await page.locator('button[type=submit]').click()
    await page.waitForURL(`${app}/logs/`)
    return page
  }

  beforeAll(async () => {
    ensureUiBuilt()
    db = await createTestDatabase('tw_admin_ui')
    await sql(db.url, CORE_SCHEMA)
    await sql(db.url, "INSERT INTO players (name) SELECT 'p' || g FROM generate_series(1, 40) g; INSERT INTO \"User\" (email) SELECT 'u' || g || '@x' FROM generate_series(1, 22) g")
    t = await buildTestApp({ DATABASE_URL: db.url, EXPECTED_DATABASE: db.name, PROBE_INTERVAL_S: '3600', ALLOW_TERMINATE_IDLE: 'true' }, { parts: { scheduling: false } })
    // A row collapse: 40 players, then none.
    await t.app.databaseWatch.probeNow()
    await sql(db.url, 'DELETE FROM players')
    const s = await t.app.databaseWatch.probeNow()
    expect(s.guards.find((g) => g.table === 'players')?.status).toBe('collapsed')
    // A client that connects and then sits idle, as the old cron's victims did.
    idle = new pg.Client({ connectionString: db.url, application_name: 'e2e-idle-client' })
    idle.on('error', () => {})
    await idle.connect()
    idlePid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    // And one that holds a transaction open (TovWatchIdleInTransaction's runbook: find it here).
    inTx = new pg.Client({ connectionString: db.url, application_name: 'e2e-in-transaction' })
    inTx.on('error', () => {})
    await inTx.connect()
    inTxPid = (await inTx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    await inTx.query('BEGIN; SELECT count(*) FROM players')
    await t.app.databaseWatch.probeNow()
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    app = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {})
    await browser?.close()
    await idle?.end().catch(() => {})
    await inTx?.query('ROLLBACK').catch(() => {})
    await inTx?.end().catch(() => {})
    await t?.close()
    await db?.drop()
  })

  it('shows a viewer neither the guard reset nor the session list and terminate form', async () => {
    const page = await login(VIEWER_TOKEN)
    await page.goto(`${app}/logs/#/database`)
    const warning = page.locator('tw-database .banner.danger', { hasText: 'Row-collapse' })
    await warning.waitFor()
    expect(await warning.textContent()).toContain('players')
    expect(await warning.textContent()).toContain('an admin can reset this guard here')
    expect(await page.locator('tw-database button.reset-guard').count()).toBe(0)
    await page.goto(`${app}/logs/#/connections`)
    await page.locator('tw-connections h2#use-h').waitFor()
    await page.locator('tw-connections', { hasText: 'Admins also see each session' }).waitFor()
    expect(await page.locator('tw-connections section.admin').count()).toBe(0)
    expect(await page.locator('tw-connections #idle-min').count()).toBe(0)
  })

  it('lets an admin reset a tripped guard, after confirming', async () => {
    const page = await login(ADMIN_TOKEN)
    await page.goto(`${app}/logs/#/database`)
    const button = page.locator('tw-database button.reset-guard[data-table=players]')
    await button.waitFor()

    // Cancelled: nothing is sent.
    const posts: string[] = []
    page.on('request', (r) => { if (r.method() === 'POST') posts.push(new URL(r.url()).pathname) })
    page.once('dialog', (d) => { d.dismiss().catch(() => {}) })
    await button.click()
    await page.waitForTimeout(300)
    expect(posts).toEqual([])

    let message = ''
    page.once('dialog', (d) => { message = d.message(); d.accept().catch(() => {}) })
    await button.click()
    await page.locator('tw-database [role=status]', { hasText: 'Guard of players reset' }).waitFor({ timeout: 5000 })
    expect(message).toContain('Reset the row guard of players')
    expect(posts).toEqual(['/logs/api/database/guards/reset'])
    expect(await page.locator('tw-database .banner.danger', { hasText: 'Row-collapse' }).count()).toBe(0)
    expect(t.app.databaseWatch.snapshot().guards.find((g) => g.table === 'players')?.status).toBe('ok')
    const audit = (await sql(db.url, "SELECT actor, action, params FROM tovwatch_admin_audit WHERE action = 'guard-reset'")).rows
    expect(audit).toEqual([{ actor: 'admin', action: 'guard-reset', params: { table: 'players' } }])
  })

  it('lets an admin find an idle connection and terminate it, after a listing and a confirmation', async () => {
    const page = await login(ADMIN_TOKEN)
    await page.goto(`${app}/logs/#/connections`)
    const admin = page.locator('tw-connections section.admin')
    await admin.waitFor()
    // The session list shows the one holding a transaction open, first and marked (admins get the
    // sessions in a query or a transaction from the last probe; idle ones are listed below on demand).
    const iit = admin.locator('tr.iit', { hasText: 'e2e-in-transaction' })
    await iit.waitFor()
    expect(await iit.textContent()).toContain(String(inTxPid))
    expect(await iit.textContent()).toContain('idle in transaction')
    expect(await admin.locator('tr', { hasText: 'e2e-idle-client' }).count()).toBe(0)

    // The server's refusal is shown as it is.
    await page.route('**/logs/api/connections/terminate-idle', (r) => r.fulfill({ status: 403, json: { statusCode: 403, error: 'Forbidden', message: 'Terminating idle connections is off. Set ALLOW_TERMINATE_IDLE=true to allow it.' } }), { times: 1 })
    await admin.locator('#idle-min').fill('0')
    await admin.locator('button', { hasText: 'List idle connections' }).click()
    await admin.locator('[role=alert]', { hasText: 'ALLOW_TERMINATE_IDLE' }).waitFor({ timeout: 5000 })

    // A dry run lists it, and terminates nothing.
    await admin.locator('button', { hasText: 'List idle connections' }).click()
    const row = admin.locator('tr', { hasText: 'e2e-idle-client' }).last()
    await admin.locator('[role=status]', { hasText: 'idle for more than 0 min' }).waitFor({ timeout: 5000 })
    expect(await row.textContent()).toContain(String(idlePid))
    expect((await idle.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])

    // The real run asks first.
    const terminate = admin.locator('button.danger', { hasText: /Terminate \d+ connection/ })
    page.once('dialog', (d) => { d.dismiss().catch(() => {}) })
    await terminate.click()
    await page.waitForTimeout(300)
    expect((await idle.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])

    let message = ''
    page.once('dialog', (d) => { message = d.message(); d.accept().catch(() => {}) })
    await terminate.click()
    await admin.locator('[role=status]', { hasText: /^Terminated \d+ of \d+ connection/ }).waitFor({ timeout: 5000 })
    expect(message).toMatch(/^Terminate \d+ connections? of the monitored database idle for more than 0 min\?/)
    expect(await admin.locator('tr', { hasText: String(idlePid) }).last().textContent()).toContain('yes')
    const left = await sql(db.url, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [idlePid])
    expect(left.rows[0].n).toBe(0)
  })

  it('logs nothing unexpected to the console and violates no CSP rule', () => {
    expect(problems.filter((p) => !EXPECTED.test(p))).toEqual([])
  })
})
