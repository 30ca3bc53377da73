import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, VIEWER_TOKEN, type TestApp } from '../helpers/app.js'
import { createTestDatabase, type TestDatabase } from '../helpers/db.js'
import { have } from '../helpers/services.js'
import { ALERTS_ONLY, amAlert, amPayload, postHook, waitFor, WEBHOOK_TOKEN } from './fixtures.js'

let t: TestApp | undefined
afterEach(async () => { await t?.close(); t = undefined })

const viewer = { authorization: `Bearer ${VIEWER_TOKEN}` }
const storedCount = async (fps: string[]) => Number((await t!.deps.pg.store.query('SELECT count(*)::int AS n FROM tw_alerts WHERE fingerprint = ANY($1)', [fps])).rows[0].n)
const deadLetters = async () => (await t!.app.inject({ method: 'GET', url: '/logs/api/alerts/dead-letters?limit=200', headers: viewer })).json()
const rejectedMetric = async (reason: string) => {
  const text = (await t!.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).body
  const m = new RegExp(`tovwatch_webhook_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text)
  return m === null ? 0 : Number(m[1])
}

describe.skipIf(!(await have('postgres')))('poison webhooks on the real PostgreSQL: valid alerts always stored, the rest kept as dead letters', () => {
  // A database per test: dead letters and metrics are counted from zero.
  let db: TestDatabase
  beforeEach(async () => { db = await createTestDatabase() })
  afterEach(async () => { await t?.close(); t = undefined; await db.drop() })
  const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ALERT_WEBHOOK_BODY_LIMIT: String(16 * 1024 * 1024), ...extra })

  it('one NUL in one annotation of a 100-alert webhook: all 100 stored, the text replaced and marked', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const alerts = Array.from({ length: 100 }, () => amAlert())
    alerts[42] = amAlert({ annotations: { summary: 'bad\u0000byte', description: 'x' } })
    alerts[7] = amAlert({ labels: { alertname: 'Lone', severity: 'high', instance: 'a\ud800b' }, annotations: { 'key\udc00': 'v', summary: 'ok' } })
    const res = await postHook(t, amPayload(alerts))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ received: 100, stored: 100, rejected: 0, sanitized: 2 })
    expect(await storedCount(alerts.map((a) => a.fingerprint))).toBe(100)
    const row = (await t.deps.pg.store.query('SELECT annotations FROM tw_alerts WHERE fingerprint = $1', [alerts[42]!.fingerprint])).rows[0]
    expect(row.annotations.summary).toBe('bad\uFFFDbyte')
    expect(row.annotations.tovwatch_sanitized).toContain('annotations.summary')
    const lone = (await t.deps.pg.store.query('SELECT labels, annotations FROM tw_alerts WHERE fingerprint = $1', [alerts[7]!.fingerprint])).rows[0]
    expect(lone.labels.instance).toBe('a\uFFFDb')
    expect(lone.annotations['key\uFFFD']).toBe('v')
    expect(lone.annotations.tovwatch_sanitized).toMatch(/labels\.instance.*annotations\.key/)
  })

  it('impossible dates (2026-02-30, 0000-01-01): the valid alerts are stored, the bad ones are dead letters, counted, listed and alerted on', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const good = [amAlert(), amAlert(), amAlert()]
    const feb30 = amAlert({ startsAt: '2026-02-30T10:00:00Z' })
    const year0 = amAlert({ startsAt: '0000-01-01T00:00:00Z' })
    const res = await postHook(t, amPayload([good[0]!, feb30, good[1]!, year0, good[2]!]))
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ received: 5, stored: 3, rejected: 2 })
    expect(body.rejections).toEqual([
      { index: 1, reason: 'invalid_time', message: expect.stringContaining('alerts[1].startsAt has day 30') },
      { index: 3, reason: 'invalid_time', message: expect.stringContaining('year 0000') },
    ])
    expect(await storedCount(good.map((a) => a.fingerprint))).toBe(3)
    expect(await storedCount([feb30.fingerprint, year0.fingerprint])).toBe(0)
    const list = await deadLetters()
    expect(list.total).toBe(2)
    const kept = list.deadLetters.find((d: { fingerprint: string }) => d.fingerprint === feb30.fingerprint)
    expect(kept).toMatchObject({ reason: 'invalid_time', receivedCount: 1 })
    expect(JSON.parse(kept.raw)).toEqual(feb30)
    expect(await rejectedMetric('invalid_time')).toBe(2)
    // Alertmanager resends the same notification: counted again, not a new row.
    expect((await postHook(t, amPayload([good[0]!, feb30]))).json()).toMatchObject({ stored: 0, rejected: 1 })
    expect((await deadLetters()).total).toBe(2)
    expect((await deadLetters()).deadLetters.find((d: { fingerprint: string }) => d.fingerprint === feb30.fingerprint).receivedCount).toBe(2)
    // An internal alert says so.
    await waitFor(async () => (await t!.deps.pg.store.query("SELECT 1 FROM tw_alerts WHERE alertname = 'TovWatchWebhookAlertsRejected' AND status = 'firing'")).rowCount === 1, 10_000, 'the internal alert')
  })

  it('limits: too many labels, a long name or value, large annotations, too many alerts, each naming its variable', async () => {
    t = await buildTestApp(env({ ALERT_MAX_LABELS: '5', ALERT_MAX_LABEL_NAME_LENGTH: '20', ALERT_MAX_LABEL_VALUE_LENGTH: '100', ALERT_MAX_ANNOTATIONS_BYTES: '200', ALERT_MAX_PER_WEBHOOK: '6' }), ALERTS_ONLY)
    const ok = amAlert()
    const labels = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`l${i}`, 'v']))
    const alerts = [
      ok,
      amAlert({ labels: { ...labels, alertname: 'Many' } }),
      amAlert({ labels: { alertname: 'LongName', ['n'.repeat(21)]: 'v' } }),
      amAlert({ labels: { alertname: 'LongValue', instance: 'v'.repeat(101) } }),
      amAlert({ annotations: { description: 'd'.repeat(300) } }),
      amAlert(),
      amAlert(),
    ]
    const res = await postHook(t, amPayload(alerts))
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ received: 7, stored: 2, rejected: 5 })
    expect(body.rejections.map((r: { reason: string }) => r.reason)).toEqual(['too_many_labels', 'label_name_too_long', 'label_value_too_long', 'annotations_too_large', 'too_many_alerts'])
    const messages = body.rejections.map((r: { message: string }) => r.message).join('\n')
    for (const v of ['ALERT_MAX_LABELS=5', 'ALERT_MAX_LABEL_NAME_LENGTH=20', 'ALERT_MAX_LABEL_VALUE_LENGTH=100', 'ALERT_MAX_ANNOTATIONS_BYTES=200', 'ALERT_MAX_PER_WEBHOOK=6']) expect(messages).toContain(v)
    expect(await storedCount([ok.fingerprint, alerts[5]!.fingerprint])).toBe(2)
    expect((await deadLetters()).total).toBe(5)
  })

  it('a 1 MB label value and 5,000 labels are dead letters under the defaults, not stored', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const huge = amAlert({ labels: { alertname: 'Huge', instance: 'x'.repeat(1024 * 1024) } })
    const wide = amAlert({ labels: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`l${i}`, 'v'])) })
    const res = await postHook(t, amPayload([huge, wide]))
    expect(res.statusCode).toBe(422)
    expect(res.json().message).toContain('ALERT_MAX_LABEL_VALUE_LENGTH=4096')
    expect((await deadLetters()).deadLetters.map((d: { reason: string }) => d.reason).sort()).toEqual(['label_value_too_long', 'too_many_labels'])
  })

  it('bad input, each kept as a dead letter while the valid alerts are stored: empty and non-Prometheus label names, endsAt before startsAt, an unknown status, duplicate fingerprints', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    const ok = amAlert()
    const empty = amAlert({ labels: { alertname: 'Empty', '': 'v' } })
    const dashed = amAlert({ labels: { alertname: 'Dashed', 'not-a-name': 'v' } })
    const digit = amAlert({ labels: { alertname: 'Digit', '1abc': 'v' } })
    const backwards = amAlert({ status: 'resolved', startsAt: '2026-11-22T02:00:00Z', endsAt: '2026-11-22T01:00:00Z' })
    const exploded = { ...amAlert(), status: 'exploded' as 'firing' }
    const dupA = amAlert({ annotations: { summary: 'first' } })
    const dupB = { ...dupA, annotations: { summary: 'second' } }
    const same = amAlert()
    const res = await postHook(t, amPayload([ok, empty, dashed, digit, backwards, exploded, dupA, dupB, same, { ...same }]))
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.rejections.map((r: { index: number, reason: string }) => [r.index, r.reason])).toEqual([
      [1, 'invalid_label_name'], [2, 'invalid_label_name'], [3, 'invalid_label_name'], [4, 'ends_before_starts'], [5, 'invalid_status'], [6, 'duplicate'],
    ])
    expect(body.rejections[0].message).toContain('an empty name')
    expect(body.rejections[1].message).toContain('"not-a-name"')
    expect(body.rejections[4].message).toContain('"exploded"')
    expect(body.rejections[5].message).toContain('alerts[7]')
    expect(body).toMatchObject({ received: 10, stored: 3, rejected: 6 })
    const dup = (await t.deps.pg.store.query('SELECT annotations FROM tw_alerts WHERE fingerprint = $1', [dupA.fingerprint])).rows
    expect(dup).toEqual([{ annotations: { summary: 'second' } }])
    expect(await storedCount([ok.fingerprint, same.fingerprint])).toBe(2)
    expect((await deadLetters()).total).toBe(6)
  })

  it('a webhook with 10,000 alerts over ALERT_MAX_PER_WEBHOOK=5000: 5,000 stored, 5,000 kept, nothing lost', async () => {
    t = await buildTestApp(env({ ALERT_MAX_PER_WEBHOOK: '5000' }), ALERTS_ONLY)
    const alerts = Array.from({ length: 10_000 }, () => amAlert())
    const res = await postHook(t, amPayload(alerts))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ received: 10_000, stored: 5000, rejected: 5000 })
    expect(res.json().rejections).toHaveLength(20)
    expect(await storedCount(alerts.slice(0, 5000).map((a) => a.fingerprint))).toBe(5000)
    const kept = (await t.deps.pg.store.query("SELECT count(*)::int AS n FROM tw_alert_dead_letters WHERE reason = 'too_many_alerts'")).rows[0].n
    expect(kept).toBe(5000)
  }, 60_000)

  it('an alert the store itself refuses (a data error) is bisected out: the others are stored, never a 503', async () => {
    t = await buildTestApp(env(), ALERTS_ONLY)
    // A trigger plays a data error validation did not foresee (22023), for one label value only.
    await t.deps.pg.store.query(`CREATE OR REPLACE FUNCTION tw_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.labels->>'instance' = 'refuse-me' THEN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER tw_test_refuse BEFORE INSERT ON tw_alerts FOR EACH ROW EXECUTE FUNCTION tw_test_refuse()`)
    try {
      const alerts = Array.from({ length: 20 }, () => amAlert())
      alerts[13] = amAlert({ labels: { alertname: 'Refused', severity: 'high', instance: 'refuse-me' } })
      const res = await postHook(t, amPayload(alerts))
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ received: 20, stored: 19, rejected: 1, rejections: [{ index: 13, reason: 'store_refused' }] })
      expect(await storedCount(alerts.map((a) => a.fingerprint))).toBe(19)
      expect(await rejectedMetric('store_refused')).toBe(1)
    } finally {
      await t.deps.pg.store.query('DROP TRIGGER tw_test_refuse ON tw_alerts')
    }
  })
})
