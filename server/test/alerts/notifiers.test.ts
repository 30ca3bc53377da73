import pino from 'pino'
import { Registry } from 'prom-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createAlertMetrics } from '../../src/alerts/metrics.js'
import { migrateAlertStore } from '../../src/alerts/migrate.js'
import { createDispatcher } from '../../src/alerts/notifiers/dispatcher.js'
import { discordMessage, slackMessage } from '../../src/alerts/notifiers/format.js'
import { createAlertStore, type AlertStore } from '../../src/alerts/store.js'
import type { AlertEvent } from '../../src/alerts/types.js'
import { createPool } from '../../src/infra/postgres.js'
import { buildTestApp, testConfig, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { startDiscordDouble } from './discord-double.js'
import { parseHash } from '../../../ui/src/url-state.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, waitFor, WEBHOOK_TOKEN } from './fixtures.js'

function event (over: Partial<AlertEvent['alert']> = {}, kind: AlertEvent['kind'] = 'firing'): AlertEvent {
  const fp = over.fingerprint ?? Math.random().toString(16).slice(2, 18)
  return {
    id: '1',
    kind,
    at: '2026-11-22T02:00:00.000Z',
    alert: {
      id: '7',
      fingerprint: fp,
      status: 'firing',
      severity: 'critical',
      alertname: 'DatabaseMissing',
      labels: { alertname: 'DatabaseMissing', severity: 'critical', instance: 'db1' },
      annotations: { summary: 'TovPlay is gone', description: '@everyone the database was dropped' },
      startsAt: '2026-11-22T01:59:00.000Z',
      endsAt: null,
      generatorURL: null,
      source: 'tovwatch',
      acknowledged: null,
      updatedAt: '2026-11-22T02:00:00.000Z',
      ...over,
    },
  }
}

describe('notifier messages', () => {
  const links = { publicUrl: 'https://tovwatch.example.com', basePath: '/logs' }
  it('Discord: a colour per severity, the summary, labels, a link to /logs/ and no mentions', () => {
    const m = discordMessage(links, [event(), event({ severity: 'low', labels: { severity: 'low' } }), event({ status: 'resolved', endsAt: '2026-11-22T02:05:00.000Z' }, 'resolved')])
    expect(m.allowed_mentions.parse).toEqual([])
    const [crit, low, resolved] = m.embeds
    expect(crit?.title).toBe('[CRITICAL] DatabaseMissing')
    expect(crit?.url).toBe('https://tovwatch.example.com/logs/#/alerts?alerts=firing&alert=7')
    expect(resolved?.url).toBe('https://tovwatch.example.com/logs/#/alerts?alerts=resolved&alert=7')
    // Read back with the UI's router: the Alerts view, filtered to the alert's state.
    expect(parseHash(new URL(crit?.url as string).hash)).toMatchObject({ view: 'alerts', alertState: 'firing' })
    expect(parseHash(new URL(resolved?.url as string).hash)).toMatchObject({ view: 'alerts', alertState: 'resolved' })
    expect(crit?.description).toContain('TovPlay is gone')
    expect(crit?.fields[0]?.value).toContain('instance=db1')
    expect(new Set([crit?.color, low?.color, resolved?.color]).size).toBe(3)
    expect(resolved?.title).toBe('[RESOLVED] DatabaseMissing')
  })
  it('Slack-compatible: attachments with a hex colour and a title link', () => {
    const m = slackMessage(links, [event()])
    expect(m.attachments[0]).toMatchObject({ color: '#d32f2f', title_link: 'https://tovwatch.example.com/logs/#/alerts?alerts=firing&alert=7' })
    expect(parseHash(new URL(m.attachments[0]?.title_link as string).hash).view).toBe('alerts')
  })
  it('a BASE_PATH of / links to the root, still in the UI\'s #/view form', () => {
    const m = discordMessage({ publicUrl: 'https://tw.example', basePath: '/' }, [event()])
    expect(m.embeds[0]?.url).toBe('https://tw.example/#/alerts?alerts=firing&alert=7')
  })
})

describe.skipIf(!(await have('postgres')))('notifier delivery against a Discord double', () => {
  let db: TestDatabase
  let store: AlertStore
  let pool: ReturnType<typeof createPool>
  let double: Awaited<ReturnType<typeof startDiscordDouble>>
  let t: TestApp | undefined
  const lines: string[] = []
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(s) } })

  beforeAll(async () => {
    db = await createTestDatabase()
    pool = createPool(db.url, { max: 3, applicationName: 'test', statementTimeoutMs: 5000 })
    await migrateAlertStore(pool, () => {})
    store = createAlertStore(pool)
  })
  afterEach(async () => { await t?.close(); t = undefined; await double?.close() })
  afterAll(async () => { await pool.end(); await db.drop() })

  function dispatcher (env: Record<string, string> = {}) {
    const registry = new Registry()
    const metrics = createAlertMetrics(registry, async () => ({}))
    const config = testConfig({ DISCORD_WEBHOOK_URL: double.url, ...env })
    const d = createDispatcher(config, store, metrics, log as never, { backoffMs: 20, timeoutMs: 300, maxRetryAfterMs: 5000 })
    const count = async (outcome: string) => Number((await registry.getSingleMetricAsString('tovwatch_notifier_messages_total')).match(new RegExp(`outcome="${outcome}"} (\\d+)`))?.[1] ?? 0)
    return { d, count }
  }

  it('waits for retry_after on 429 (JSON body and Retry-After header), then sends', async () => {
    double = await startDiscordDouble()
    double.script.push({ status: 429, retryAfterS: 0.4 }, { status: 429, retryAfterS: 0.3, header: true })
    const { d, count } = dispatcher()
    d.onStored([event()])
    await d.whenIdle()
    expect(double.received).toHaveLength(3)
    expect((double.received[1]?.at ?? 0) - (double.received[0]?.at ?? 0)).toBeGreaterThanOrEqual(380)
    expect((double.received[2]?.at ?? 0) - (double.received[1]?.at ?? 0)).toBeGreaterThanOrEqual(280)
    expect(await count('rate_limited')).toBe(2)
    expect(await count('sent')).toBe(1)
  })

  it('retries a 500 and a timeout with backoff, then counts and logs the failure with the URL redacted', async () => {
    double = await startDiscordDouble()
    double.script.push('500', 'hang')
    const { d, count } = dispatcher()
    d.onStored([event()])
    await d.whenIdle()
    expect(double.received).toHaveLength(3)
    expect(await count('sent')).toBe(1)

    double.script.push('500', '500', '500', '500')
    const again = event()
    d.onStored([again])
    await d.whenIdle()
    expect(await count('failed')).toBe(1)
    const logged = lines.join('')
    expect(logged).toContain('notifier gave up')
    expect(logged).not.toContain('secret-webhook-token-abc')
    // A failed send gives its repeat slot back: the next occurrence is not suppressed.
    d.onStored([again])
    await d.whenIdle()
    expect(await count('sent')).toBe(2)
  })

  it('notifies only at or above NOTIFY_MIN_SEVERITY, resolves too, and suppresses repeats within the interval', async () => {
    double = await startDiscordDouble()
    const { d, count } = dispatcher({ NOTIFY_MIN_SEVERITY: 'high', NOTIFY_REPEAT_INTERVAL_S: '3600' })
    const e = event()
    d.onStored([e, event({ severity: 'medium', labels: { severity: 'warning' } }), event({}, 'ack')])
    await d.whenIdle()
    d.onStored([e])
    await d.whenIdle()
    d.onStored([event({ fingerprint: e.alert.fingerprint, status: 'resolved' }, 'resolved')])
    await d.whenIdle()
    expect(double.received).toHaveLength(2)
    expect(double.received[1]?.body.embeds[0].title).toContain('RESOLVED')
    expect(await count('suppressed')).toBe(1)
  })

  it('a second incident within the repeat interval is sent, firing and resolved, while a repeat of the same status is not', async () => {
    double = await startDiscordDouble()
    const { d, count } = dispatcher({ NOTIFY_REPEAT_INTERVAL_S: '14400' })
    const fingerprint = Math.random().toString(16).slice(2, 18)
    const at = (status: 'firing' | 'resolved', startsAt: string) => event({ fingerprint, status, startsAt, endsAt: status === 'resolved' ? startsAt : null }, status)
    const send = async (e: AlertEvent) => { d.onStored([e]); await d.whenIdle() }
    await send(at('firing', '2026-11-22T01:00:00.000Z'))
    await send(at('resolved', '2026-11-22T01:00:00.000Z'))
    await send(at('firing', '2026-11-22T01:10:00.000Z'))
    // Alertmanager restarted: the same alert again with a new start, still firing: a repeat, held back.
    await send(at('firing', '2026-11-22T01:11:00.000Z'))
    await send(at('resolved', '2026-11-22T01:10:00.000Z'))
    const titles = double.received.map((r) => r.body.embeds[0].title)
    expect(titles).toEqual(['[CRITICAL] DatabaseMissing', '[RESOLVED] DatabaseMissing', '[CRITICAL] DatabaseMissing', '[RESOLVED] DatabaseMissing'])
    expect(await count('suppressed')).toBe(1)
  })

  it('an Alertmanager alert whose internal twin is firing is not sent, nor its resolve; both stay stored', async () => {
    double = await startDiscordDouble()
    const { d, count } = dispatcher({ NOTIFY_REPEAT_INTERVAL_S: '3600' })
    const table = `t${Math.random().toString(16).slice(2, 8)}`
    const startsAt = '2026-11-22T01:00:00.000Z'
    const [own] = await store.write([{ fingerprint: `tw-${table}`, status: 'firing', labels: { alertname: 'TovWatchRowCollapse', severity: 'critical', source: 'tovwatch', table }, annotations: { summary: 'rows lost' }, startsAt, endsAt: null, generatorURL: null, source: 'tovwatch' }])
    d.onStored([own as AlertEvent])
    await d.whenIdle()
    expect(double.received).toHaveLength(1)
    const twinOf = { tovwatch_twin: 'TovWatchRowCollapse' }
    const [fromAm, otherTable] = await store.write([
      { fingerprint: `am-${table}`, status: 'firing', labels: { alertname: 'TovPlayRowCollapse', severity: 'critical', table, instance: 'tw:3000' }, annotations: { summary: 'collapse', ...twinOf }, startsAt, endsAt: null, generatorURL: null, source: 'alertmanager' },
      { fingerprint: `am-${table}-2`, status: 'firing', labels: { alertname: 'TovPlayRowCollapse', severity: 'critical', table: `${table}2`, instance: 'tw:3000' }, annotations: { summary: 'collapse', ...twinOf }, startsAt, endsAt: null, generatorURL: null, source: 'alertmanager' },
    ])
    d.onStored([fromAm as AlertEvent, otherTable as AlertEvent])
    await d.whenIdle()
    // Only the other table's alert, which has no internal twin, was sent.
    expect(double.received).toHaveLength(2)
    expect(double.received[1]?.body.embeds.map((e: { footer: { text: string } }) => e.footer.text)).toEqual([`TovWatch · am-${table}-2`])
    expect(await count('twin')).toBe(1)
    // The internal alert resolves first, then Alertmanager's: the held-back firing's resolve is held back too.
    const resolvedOwn = await store.write([{ fingerprint: `tw-${table}`, status: 'resolved', labels: { alertname: 'TovWatchRowCollapse', severity: 'critical', source: 'tovwatch', table }, annotations: { summary: 'rows lost' }, startsAt, endsAt: '2026-11-22T01:05:00.000Z', generatorURL: null, source: 'tovwatch' }])
    const resolvedAm = await store.write([{ fingerprint: `am-${table}`, status: 'resolved', labels: { alertname: 'TovPlayRowCollapse', severity: 'critical', table, instance: 'tw:3000' }, annotations: { summary: 'collapse', ...twinOf }, startsAt, endsAt: '2026-11-22T01:06:00.000Z', generatorURL: null, source: 'alertmanager' }])
    d.onStored([...resolvedOwn, ...resolvedAm])
    await d.whenIdle()
    expect(double.received.map((r) => r.body.embeds.map((e: { title: string, footer: { text: string } }) => `${e.title} ${e.footer.text}`)).flat()).toEqual([
      `[CRITICAL] TovWatchRowCollapse TovWatch · tw-${table}`,
      `[CRITICAL] TovPlayRowCollapse TovWatch · am-${table}-2`,
      `[RESOLVED] TovWatchRowCollapse TovWatch · tw-${table}`,
    ])
    expect(await count('twin')).toBe(2)
    // Both are stored and listed.
    const stored = await store.list({ limit: 10, labels: [['table', table]] })
    expect(stored.rows.map((r) => r.fingerprint).sort()).toEqual([`am-${table}`, `tw-${table}`])
    // The twin gone, Alertmanager's next incident of the same alert is sent, and so is its resolve.
    const again = await store.write([{ fingerprint: `am-${table}`, status: 'firing', labels: { alertname: 'TovPlayRowCollapse', severity: 'critical', table, instance: 'tw:3000' }, annotations: { summary: 'collapse', ...twinOf }, startsAt: '2026-11-22T02:00:00.000Z', endsAt: null, generatorURL: null, source: 'alertmanager' }])
    d.onStored(again)
    await d.whenIdle()
    expect(double.received.at(-1)?.body.embeds[0].title).toBe('[CRITICAL] TovPlayRowCollapse')
  })

  it('an internal twin below NOTIFY_MIN_SEVERITY, which is not sent itself, does not hold back its Alertmanager twin', async () => {
    double = await startDiscordDouble()
    const { d, count } = dispatcher({ NOTIFY_MIN_SEVERITY: 'high' })
    const startsAt = '2026-11-22T01:00:00.000Z'
    const tag = Math.random().toString(16).slice(2, 8)
    await store.write([{ fingerprint: `tw-low-${tag}`, status: 'firing', labels: { alertname: 'TovWatchBackupStale', severity: 'low', source: 'tovwatch', tag }, annotations: { summary: 'old backup' }, startsAt, endsAt: null, generatorURL: null, source: 'tovwatch' }])
    const events = await store.write([{ fingerprint: `am-high-${tag}`, status: 'firing', labels: { alertname: 'TovPlayBackupStale', severity: 'high', tag }, annotations: { summary: 'old backup', tovwatch_twin: 'TovWatchBackupStale' }, startsAt, endsAt: null, generatorURL: null, source: 'alertmanager' }])
    d.onStored(events)
    await d.whenIdle()
    expect(double.received.map((r) => r.body.embeds[0].title)).toEqual(['[HIGH] TovPlayBackupStale'])
    expect(await count('twin')).toBe(0)
    await store.write([{ fingerprint: `tw-low-${tag}`, status: 'resolved', labels: { alertname: 'TovWatchBackupStale', severity: 'low', source: 'tovwatch', tag }, annotations: { summary: 'old backup' }, startsAt, endsAt: startsAt, generatorURL: null, source: 'tovwatch' }])
  })

  it('end to end: a webhook is answered before Discord, which is hanging, and the alert is still sent', async () => {
    double = await startDiscordDouble()
    double.script.push('hang')
    t = await buildTestApp({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, DISCORD_WEBHOOK_URL: double.url, PUBLIC_URL: 'https://tovwatch.example.com' }, ALERTS_ONLY)
    const a = amAlert()
    const res = await postHook(t, amPayload([a]))
    expect(res.statusCode).toBe(200)
    await waitFor(() => double.received.length >= 2, 15_000, 'Discord to get the retry after a timeout')
    const embed = double.received[1]?.body.embeds[0]
    expect(embed.url).toMatch(/^https:\/\/tovwatch\.example\.com\/logs\/#\/alerts\?alerts=firing&alert=\d+$/)
    expect(parseHash(new URL(embed.url).hash).view).toBe('alerts')
    expect(embed.footer.text).toContain(a.fingerprint)
  }, 30_000)
})

describe('Discord size limits', () => {
  it('keeps a full message under Discord\'s 6000 characters of embed text, whatever the annotations', async () => {
    const { DISCORD_EMBEDS_PER_MESSAGE } = await import('../../src/alerts/notifiers/format.js')
    const huge = 'x'.repeat(20_000)
    const events = Array.from({ length: DISCORD_EMBEDS_PER_MESSAGE }, () => event({ alertname: huge, annotations: { summary: huge, description: huge }, labels: { a: huge, b: huge } }))
    const m = discordMessage({ publicUrl: 'https://t.example', basePath: '/logs' }, events)
    const chars = m.embeds.reduce((n, e) => n + e.title.length + e.description.length + e.footer.text.length + e.fields.reduce((k, f) => k + f.name.length + f.value.length, 0), 0)
    expect(chars).toBeLessThanOrEqual(6000)
  })
})
