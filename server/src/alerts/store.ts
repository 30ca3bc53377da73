import type pg from 'pg'
import { listAlerts, type ListFilter } from './list.js'
import { rowToEvent, type AlertRow, type EventRow } from './rows.js'
import type { AlertEvent, AlertInput } from './types.js'
import { severityOf } from './types.js'

/** Every writer of events holds this lock until commit, so event ids become visible in id order. */
export const EVENT_LOCK = 7_390_117_001
const CHUNK = 1000

/** Annotations with their figures masked: internal checks repeat their text with new counts each probe. */
const FIGURES = (x: string) => `regexp_replace(${x}::text, '[0-9]+([.,][0-9]+)?', '#', 'g')`

/**
 * Whether an update is worth an event: a change of status, labels, end or link, or of the text. For
 * TovWatch's own alerts, a change of figures only in the text (a count, a percentage) is not: the
 * row takes the new text quietly, without an event, a push to every client or a newer updated_at.
 */
const MATERIAL = `((a.status, a.labels, a.ends_at, a.generator_url) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.labels, EXCLUDED.ends_at, EXCLUDED.generator_url)
    OR CASE WHEN EXCLUDED.source = 'tovwatch' THEN ${FIGURES('a.annotations')} IS DISTINCT FROM ${FIGURES('EXCLUDED.annotations')}
            ELSE a.annotations IS DISTINCT FROM EXCLUDED.annotations END)`

// One statement per chunk of 1000: the upsert that only touches rows whose content changed
// (it keeps the status it replaced), and one event per touched row. A redelivery writes nothing.
// TovWatch's own alerts (source 'tovwatch') continue the firing row of their fingerprint whatever
// start time the instance that raised them gave: several instances raise the same condition, and it
// stays one alert. (Such batches take the writer lock before this statement: see write().)
const UPSERT = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, fingerprint text, starts_at timestamptz, status text,
    severity text, alertname text, labels jsonb, annotations jsonb, ends_at timestamptz, generator_url text, source text)
  -- An InitPlan: the lock is taken before the first row, so before any event id is drawn, and held to commit.
  WHERE (SELECT true FROM (SELECT pg_advisory_xact_lock(${EVENT_LOCK})) l)
), mapped AS (
  SELECT x.ord, x.fingerprint, x.status, x.severity, x.alertname, x.labels, x.annotations, x.ends_at, x.generator_url, x.source,
    COALESCE(CASE WHEN x.source = 'tovwatch' THEN (
      SELECT t.starts_at FROM tw_alerts t
      WHERE t.fingerprint = x.fingerprint AND t.source = 'tovwatch'
        AND (t.status = 'firing' OR (x.status = 'resolved' AND t.starts_at <= x.ends_at))
      ORDER BY t.status = 'firing' DESC, t.starts_at DESC LIMIT 1) END, x.starts_at) AS starts_at
  FROM input x
), latest AS (
  SELECT DISTINCT ON (fingerprint, starts_at) * FROM mapped ORDER BY fingerprint, starts_at, ord DESC
), up AS (
  INSERT INTO tw_alerts AS a (fingerprint, starts_at, status, severity, alertname, labels, annotations, ends_at, generator_url, source)
  SELECT fingerprint, starts_at, status, severity, alertname, labels, annotations, ends_at, generator_url, source FROM latest ORDER BY ord
  ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
    status = EXCLUDED.status, severity = EXCLUDED.severity, alertname = EXCLUDED.alertname, labels = EXCLUDED.labels,
    annotations = EXCLUDED.annotations, ends_at = EXCLUDED.ends_at, generator_url = EXCLUDED.generator_url,
    previous_status = a.status,
    quiet = NOT ${MATERIAL},
    updated_at = CASE WHEN ${MATERIAL} THEN now() ELSE a.updated_at END
  WHERE (a.status, a.labels, a.annotations, a.ends_at, a.generator_url) IS DISTINCT FROM
    (EXCLUDED.status, EXCLUDED.labels, EXCLUDED.annotations, EXCLUDED.ends_at, EXCLUDED.generator_url)
    -- A resolve is final for its (fingerprint, startsAt): a late or duplicate "firing" never reopens it
    -- (a new incident comes with a new startsAt).
    AND NOT (a.status = 'resolved' AND EXCLUDED.status = 'firing')
    -- A second instance's resolve of an internal alert another instance already resolved changes nothing.
    AND NOT (a.status = 'resolved' AND EXCLUDED.status = 'resolved' AND EXCLUDED.source = 'tovwatch')
  RETURNING a.*
)
INSERT INTO tw_alert_events (alert_id, kind, alert)
SELECT id, CASE WHEN previous_status IS NULL OR previous_status <> status THEN status ELSE 'updated' END, to_jsonb(up) - 'previous_status' - 'quiet'
FROM up WHERE NOT quiet ORDER BY id
RETURNING id, kind, at, alert`

export type AlertStore = ReturnType<typeof createAlertStore>

function toRecords (inputs: AlertInput[]) {
  return inputs.map((a, ord) => ({
    ord,
    fingerprint: a.fingerprint,
    starts_at: a.startsAt,
    status: a.status,
    severity: severityOf(a.labels),
    alertname: a.labels.alertname ?? '',
    labels: a.labels,
    annotations: a.annotations,
    // A firing alert's endsAt is only Prometheus's expiry guess; storing it would turn each resend into an update.
    ends_at: a.status === 'resolved' ? (a.endsAt ?? new Date().toISOString()) : null,
    generator_url: a.generatorURL,
    source: a.source,
  }))
}

/**
 * Runs `fn` in one transaction under the event writer lock, so event ids commit in the order
 * they were taken (a client reading after id N never skips an id committed later).
 */
export async function withEventLock<T> (pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  // A checked-out client has no listener of the pool's: without one a dropped connection would crash the process.
  const onError = () => {}
  client.on('error', onError)
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${EVENT_LOCK})`)
    const out = await fn(client)
    await client.query('COMMIT')
    return out
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.off('error', onError)
    client.release()
  }
}

/** `stream` serves the alert stream's reads (snapshots, replays), on connections of its own. */
export function createAlertStore (pool: pg.Pool, stream: pg.Pool = pool) {
  const inTx = <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => withEventLock(pool, fn)

  return {
    async storeId (): Promise<string> {
      const r = await pool.query<{ store_id: string }>('SELECT store_id FROM tw_alert_store')
      return r.rows[0]?.store_id ?? 'default'
    },

    /** Stores a batch atomically; resolves after COMMIT with the events it wrote, in id order. */
    async write (inputs: AlertInput[]): Promise<AlertEvent[]> {
      if (inputs.length === 0) return []
      const records = toRecords(inputs)
      // One chunk: one statement in its own implicit transaction, one round trip. Not for internal
      // alerts: the row they continue must be read after the writer lock, so they go through inTx.
      if (records.length <= CHUNK && !inputs.some((i) => i.source === 'tovwatch')) {
        const r = await pool.query<EventRow>(UPSERT, [JSON.stringify(records)])
        return r.rows.map(rowToEvent)
      }
      return inTx(async (client) => {
        const events: AlertEvent[] = []
        for (let i = 0; i < records.length; i += CHUNK) {
          const r = await client.query<EventRow>(UPSERT, [JSON.stringify(records.slice(i, i + CHUNK))])
          for (const row of r.rows) events.push(rowToEvent(row))
        }
        return events
      })
    },

    /** The same upsert on a caller's open transaction (tests use it to play a slow concurrent writer). */
    async writeWith (client: pg.PoolClient, inputs: AlertInput[]): Promise<AlertEvent[]> {
      const r = await client.query<EventRow>(UPSERT, [JSON.stringify(toRecords(inputs))])
      return r.rows.map(rowToEvent)
    },

    async eventsAfter (afterId: number, upTo: number | null, limit: number): Promise<AlertEvent[]> {
      const r = await stream.query<EventRow>(
        'SELECT id, kind, at, alert FROM tw_alert_events WHERE id > $1 AND ($2::bigint IS NULL OR id <= $2) ORDER BY id LIMIT $3',
        [afterId, upTo, limit])
      return r.rows.map(rowToEvent)
    },

    async eventBounds (): Promise<{ min: number, max: number }> {
      const r = await stream.query<{ min: string | null, max: string | null }>('SELECT min(id) AS min, max(id) AS max FROM tw_alert_events')
      return { min: Number(r.rows[0]?.min ?? 0), max: Number(r.rows[0]?.max ?? 0) }
    },

    /**
     * The newest `limit` firing alerts (newest change first, the order of GET /api/alerts), how many
     * firing alerts there are, and the last event id, read in one statement so they describe the same
     * moment. `cursor` continues the list with GET /api/alerts?state=firing&cursor=.
     */
    async snapshot (limit: number): Promise<{ lastEventId: number, total: number, alerts: AlertRow[], cursor: string | null }> {
      const r = await stream.query<{ last: string | null, total: string, alerts: AlertRow[] | null, cursor: string | null }>(`
        WITH page AS (SELECT * FROM tw_alerts WHERE status = 'firing' ORDER BY updated_at DESC, id DESC LIMIT $1)
        SELECT (SELECT max(id) FROM tw_alert_events) AS last,
               (SELECT count(*) FROM tw_alerts WHERE status = 'firing') AS total,
               (SELECT jsonb_agg(to_jsonb(p) - 'previous_status' - 'quiet' ORDER BY p.updated_at DESC, p.id DESC) FROM page p) AS alerts,
               (SELECT p.updated_at::text || '|' || p.id FROM page p ORDER BY p.updated_at, p.id LIMIT 1) AS cursor`, [limit])
      const row = r.rows[0]
      return { lastEventId: Number(row?.last ?? 0), total: Number(row?.total ?? 0), alerts: row?.alerts ?? [], cursor: row?.cursor ?? null }
    },

    /** The label sets of every firing alert: what a silence about to be created would match. */
    async firingLabels (): Promise<Array<Record<string, string>>> {
      return (await pool.query<{ labels: Record<string, string> }>("SELECT labels FROM tw_alerts WHERE status = 'firing'")).rows.map((r) => r.labels)
    },

    /** Newest change first, filtered; see list.ts. */
    list: (f: ListFilter) => listAlerts(pool, f),

    /** One alert by id (a link from a chat notification names it), or undefined. */
    async get (id: string): Promise<AlertRow | undefined> {
      return (await pool.query<AlertRow>('SELECT * FROM tw_alerts WHERE id = $1', [id])).rows[0]
    },

    async firingInternal (): Promise<AlertInput[]> {
      const r = await pool.query<AlertRow>("SELECT * FROM tw_alerts WHERE source = 'tovwatch' AND status = 'firing'")
      return r.rows.map((a) => ({
        fingerprint: a.fingerprint,
        status: 'firing',
        labels: a.labels,
        annotations: a.annotations,
        startsAt: new Date(a.starts_at).toISOString(),
        endsAt: null,
        generatorURL: a.generator_url,
        source: 'tovwatch',
      }))
    },

    async firingCounts (): Promise<Record<string, number>> {
      const r = await pool.query<{ severity: string, n: string }>("SELECT severity, count(*) AS n FROM tw_alerts WHERE status = 'firing' GROUP BY severity")
      return Object.fromEntries(r.rows.map((x) => [x.severity, Number(x.n)]))
    },

    /**
     * Claims the right to send this status of the alert now. A change of status against the last one
     * sent (or held back for a twin) always wins; the same status again only once the repeat interval
     * has passed. Shared by every instance through the store.
     */
    async claimNotification (fingerprint: string, status: string, notifier: string, repeatIntervalS: number): Promise<boolean> {
      const r = await pool.query(`
        INSERT INTO tw_alert_notify_state AS n (fingerprint, notifier, status, sent_at, twin) VALUES ($1, $3, $2, now(), false)
        ON CONFLICT (fingerprint, notifier) DO UPDATE SET status = EXCLUDED.status, sent_at = now(), twin = false
        WHERE n.status <> EXCLUDED.status OR n.twin OR n.sent_at <= now() - make_interval(secs => $4)
        RETURNING 1`, [fingerprint, status, notifier, repeatIntervalS])
      return (r.rowCount ?? 0) > 0
    },

    /** A failed send gives its claim back, so the next occurrence is sent (better a duplicate than a loss). */
    async releaseNotification (fingerprint: string, status: string, notifier: string): Promise<void> {
      await pool.query('DELETE FROM tw_alert_notify_state WHERE fingerprint = $1 AND notifier = $2 AND status = $3 AND NOT twin', [fingerprint, notifier, status])
    },

    /** Records a status held back because TovWatch's own twin alert already said it (see twins.ts). */
    async holdForTwin (fingerprint: string, status: string, notifier: string): Promise<void> {
      await pool.query(`
        INSERT INTO tw_alert_notify_state AS n (fingerprint, notifier, status, sent_at, twin) VALUES ($1, $2, $3, now(), true)
        ON CONFLICT (fingerprint, notifier) DO UPDATE SET status = EXCLUDED.status, sent_at = now(), twin = true`, [fingerprint, notifier, status])
    },

    /** The last status sent (or held back for a twin) to a notifier, if any. */
    async notifyState (fingerprint: string, notifier: string): Promise<{ status: string, twin: boolean } | undefined> {
      const r = await pool.query<{ status: string, twin: boolean }>('SELECT status, twin FROM tw_alert_notify_state WHERE fingerprint = $1 AND notifier = $2', [fingerprint, notifier])
      return r.rows[0]
    },

    async prune (retentionDays: number): Promise<{ alerts: number, events: number }> {
      const a = await pool.query("DELETE FROM tw_alerts WHERE status = 'resolved' AND updated_at < now() - make_interval(days => $1)", [retentionDays])
      const e = await pool.query('DELETE FROM tw_alert_events WHERE at < now() - make_interval(days => $1)', [retentionDays])
      await pool.query('DELETE FROM tw_alert_notify_state WHERE sent_at < now() - make_interval(days => $1)', [retentionDays])
      return { alerts: a.rowCount ?? 0, events: e.rowCount ?? 0 }
    },
  }
}
