/**
 * Screenshots of every view at 1280×800 and 360×740 (light) and 1280×800 (dark), against a
 * running TovWatch with seeded logs and alerts: `npx tsx server/test/web/screenshots.ts [outDir]`.
 * Written to screenshots/ (gitignored), for a person to look at.
 */
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { createEmbedToken } from '../../src/auth/embed.js'
import { buildTestApp, VIEWER_TOKEN } from '../helpers/app.js'
import { createTestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { launchChromium, seedLogs } from './e2e-helpers.js'
import { ensureUiBuilt } from './ui-build.js'

const HOOK = 'hook-token-0123456789abcdef'
const out = path.resolve(process.argv[2] ?? 'screenshots')
const VIEWS = ['overview', 'errors?range=24h&sev=low', 'database', 'connections', 'alerts']
const SIZES = [{ w: 1280, h: 800, scheme: 'light' }, { w: 360, h: 740, scheme: 'light' }, { w: 1280, h: 800, scheme: 'dark' }] as const

function alert (name: string, severity: string, status: 'firing' | 'resolved', minutesAgo: number, summary: string) {
  const startsAt = new Date(Date.now() - minutesAgo * 60_000).toISOString()
  return { status, labels: { alertname: name, severity, instance: 'db1:5432', job: 'postgres' }, annotations: { summary }, startsAt, endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: `shot-${name}` }
}

async function main () {
  ensureUiBuilt()
  fs.mkdirSync(out, { recursive: true })
  // The real PostgreSQL when there is one: it has pg_stat_activity, so the connection views fill.
  const db = await have('postgres') ? await createTestDatabase('tw_shots') : undefined
  const t = await buildTestApp({ ALERT_WEBHOOK_TOKEN: HOOK, PROBE_INTERVAL_S: '2', DATABASE_URL: db?.url, EXPECTED_DATABASE: db?.name })
  seedLogs(t.config.dataDir)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/logs`
  const post = (alerts: unknown[]) => fetch(`${base}/api/alerts/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${HOOK}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: '4', status: 'firing', receiver: 'tovwatch', alerts }),
  })
  await post([
    alert('PostgresConnectionsNearLimit', 'critical', 'firing', 12, '91 of 100 connections used'),
    alert('BackupTooOld', 'high', 'firing', 95, 'last good backup is 7 h old (limit 6 h)'),
    alert('LokiIngestionSlow', 'medium', 'resolved', 300, 'Loki queries took over 5 s'),
  ])
  await new Promise((resolve) => setTimeout(resolve, 5000)) // a couple of probe rounds
  const browser = await launchChromium()
  try {
    for (const size of SIZES) {
      const ctx = await browser.newContext({ viewport: { width: size.w, height: size.h }, colorScheme: size.scheme })
      const page = await ctx.newPage()
      await page.goto(`${base}/login`)
      await page.locator('#token').fill(VIEWER_TOKEN)
      await page.locator('button[type=submit]').click()
      await page.waitForURL(`${base}/`)
      for (const view of VIEWS) {
        await page.goto(`${base}/#/${view}`)
        await page.waitForTimeout(1500)
        const file = path.join(out, `${view.split('?')[0]}-${size.w}x${size.h}-${size.scheme}.png`)
        await page.screenshot({ path: file, fullPage: true })
        console.log(file)
      }
      await page.goto(`${base}/login`)
      await page.screenshot({ path: path.join(out, `login-${size.w}x${size.h}-${size.scheme}.png`) })
      await ctx.close()
    }
    const token = createEmbedToken(t.app.auth.embedSecret, '*', 600)
    const embed = await browser.newContext({ viewport: { width: 800, height: 400 } })
    const page = await embed.newPage()
    for (const panel of ['error-rate', 'error-groups', 'connections', 'tables', 'alerts']) {
      await page.goto(`${base}/embed/${panel}?embed_token=${token}#/errors?range=24h&sev=low`)
      await page.waitForTimeout(1500)
      const file = path.join(out, `embed-${panel}-800x400.png`)
      await page.screenshot({ path: file })
      console.log(file)
    }
  } finally {
    await browser.close()
    await t.close()
    await db?.drop()
  }
}

main().catch((err: unknown) => { console.error(err); process.exit(1) })
