import type pg from 'pg'
import { pgErrorCode, PG_CODES, quoteIdent } from '../infra/postgres.js'
import { redactText } from '../infra/logger.js'
import type { TableSample } from './types.js'

/**
 * Every user table with its statistics, in one catalog query. A table under an
 * ACCESS EXCLUSIVE lock (TRUNCATE, ALTER, a migration) would block
 * pg_total_relation_size, so its size is skipped; lock_timeout is the safety net.
 * pg_locks is server-wide and oids repeat across databases (a database created from
 * another as its template has the same ones), so only this database's locks count.
 * Shared catalogs (database 0) are never user tables.
 * A partitioned table keeps no statistics of its own: its estimate and counters are
 * the sums over its leaf partitions (from pg_inherits, which takes no lock), never a 0.
 */
const statsSql = (withSizes: boolean) => `
WITH RECURSIVE locked AS MATERIALIZED (
  SELECT DISTINCT relation FROM pg_locks
  WHERE mode = 'AccessExclusiveLock' AND relation IS NOT NULL
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
),
tree (root, relid) AS (
  SELECT oid, oid FROM pg_class WHERE relkind = 'p'
  UNION ALL
  SELECT t.root, i.inhrelid FROM tree t JOIN pg_inherits i ON i.inhparent = t.relid
),
leaves AS MATERIALIZED (
  SELECT t.root,
    CASE WHEN bool_or(l.reltuples < 0) THEN -1 ELSE sum(l.reltuples) END AS reltuples,
    sum(pg_stat_get_live_tuples(l.oid)) AS live,
    sum(pg_stat_get_tuples_inserted(l.oid)) AS ins,
    sum(pg_stat_get_tuples_updated(l.oid)) AS upd,
    sum(pg_stat_get_tuples_deleted(l.oid)) AS del
  FROM tree t JOIN pg_class l ON l.oid = t.relid
  WHERE l.relkind <> 'p'
  GROUP BY t.root
)
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relfilenode::int8 AS relfilenode,
  CASE WHEN c.relkind = 'p' THEN coalesce(lv.reltuples, 0) ELSE c.reltuples END::float8 AS reltuples,
  CASE WHEN c.relkind = 'p' THEN coalesce(lv.live, 0) ELSE pg_stat_get_live_tuples(c.oid) END::int8 AS live,
  CASE WHEN c.relkind = 'p' THEN coalesce(lv.ins, 0) ELSE pg_stat_get_tuples_inserted(c.oid) END::int8 AS ins,
  CASE WHEN c.relkind = 'p' THEN coalesce(lv.upd, 0) ELSE pg_stat_get_tuples_updated(c.oid) END::int8 AS upd,
  CASE WHEN c.relkind = 'p' THEN coalesce(lv.del, 0) ELSE pg_stat_get_tuples_deleted(c.oid) END::int8 AS del,
  c.oid IN (SELECT relation FROM locked) AS locked,
  ${withSizes
    ? 'CASE WHEN c.oid IN (SELECT relation FROM locked) THEN NULL ELSE pg_total_relation_size(c.oid) END::int8'
    : 'NULL::int8'} AS total_bytes,
  greatest(pg_stat_get_last_vacuum_time(c.oid), pg_stat_get_last_autovacuum_time(c.oid)) AS last_vacuum,
  greatest(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) AS last_analyze
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN leaves lv ON lv.root = c.oid
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY n.nspname, c.relname`

interface StatsRow {
  oid: string,
  schema: string,
  name: string,
  relfilenode: string,
  reltuples: number,
  live: string | null,
  ins: string | null,
  upd: string | null,
  del: string | null,
  locked: boolean,
  total_bytes: string | null
  last_vacuum: Date | null,
  last_analyze: Date | null
}

export const tableKey = (schema: string, name: string) => schema === 'public' ? name : `${schema}.${name}`

const num = (v: string | null) => v === null ? null : Number(v)
const iso = (v: Date | null) => v === null ? null : v.toISOString()

export interface TableProbeOptions {
  /** Given the keys of the tables that exist, which ones are watched (see tableKey). */
  watched: (present: string[]) => Set<string>
  exactCountMaxRows: number
  /** PGlite keeps no activity statistics: its counters read 0, which must not be shown as 0. */
  statsAvailable: boolean
  countLockTimeoutMs: number
  countStatementTimeoutMs: number
  /** tovwatch.row_count(regclass) is installed (see countSql). */
  countFunction: boolean
}

type Results<T extends pg.QueryResultRow> = Array<pg.QueryResult<T>>

/**
 * Runs inside the probe's transaction on its one connection, in as few round trips
 * as it can: on a busy server every round trip waits for the scheduler twice.
 */
export async function probeTables (client: pg.ClientBase, opts: TableProbeOptions): Promise<TableSample[]> {
  let rows: StatsRow[]
  try {
    const r = await client.query(`SAVEPOINT tw_stats; ${statsSql(true)}; RELEASE SAVEPOINT tw_stats`) as unknown as Results<StatsRow>
    rows = r[1]?.rows ?? []
  } catch (err) {
    if (pgErrorCode(err) !== PG_CODES.lockNotAvailable && pgErrorCode(err) !== PG_CODES.queryCanceled) throw err
    await client.query('ROLLBACK TO SAVEPOINT tw_stats')
    rows = (await client.query<StatsRow>(statsSql(false))).rows
  }
  const watched = opts.watched(rows.map((r) => tableKey(r.schema, r.name)))
  const out: TableSample[] = []
  const toCount: TableSample[] = []
  for (const r of rows) {
    const key = tableKey(r.schema, r.name)
    const live = opts.statsAvailable ? num(r.live) : null
    const estimate = r.reltuples >= 0 ? Math.round(r.reltuples) : live
    const sample: TableSample = {
      oid: Number(r.oid),
      schema: r.schema,
      name: r.name,
      key,
      watched: watched.has(key),
      relfilenode: Number(r.relfilenode),
      estimatedRows: estimate,
      exactRows: null,
      exactUnavailable: null,
      liveTuples: live,
      inserts: opts.statsAvailable ? num(r.ins) : null,
      updates: opts.statsAvailable ? num(r.upd) : null,
      deletes: opts.statsAvailable ? num(r.del) : null,
      totalBytes: num(r.total_bytes),
      lastVacuum: iso(r.last_vacuum),
      lastAnalyze: iso(r.last_analyze),
    }
    const sizeHint = Math.max(estimate ?? 0, live ?? 0)
    if (sample.watched) {
      if (sizeHint >= opts.exactCountMaxRows) sample.exactUnavailable = `estimated ${sizeHint} rows, above EXACT_COUNT_MAX_ROWS (${opts.exactCountMaxRows}): estimate shown`
      else if (r.locked) sample.exactUnavailable = 'the table is locked (ACCESS EXCLUSIVE, e.g. a migration or TRUNCATE): estimate shown'
      else toCount.push(sample)
    }
    out.push(sample)
  }
  if (toCount.length > 0 && !(await countAll(client, toCount, opts))) {
    // Someone took a lock since, or the batch ran too long: count one by one to find out which.
    for (const t of toCount) await exactCount(client, t, opts)
  }
  return out
}

/**
 * server/sql/monitor-role.sql may install tovwatch.row_count(regclass): a SECURITY
 * DEFINER function that returns only a count, so the monitoring role needs no
 * SELECT on players' rows. Without it, COUNT(*) needs SELECT on the table.
 * Identifiers come only from the catalog and are quoted; oids are catalog numbers.
 */
function countSql (t: TableSample, viaFunction: boolean): string {
  return viaFunction
    ? `(SELECT tovwatch.row_count(${Number(t.oid)}::oid::regclass))`
    : `(SELECT count(*) FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)})`
}

/** All exact counts in one statement; false when it failed and nothing was counted. */
async function countAll (client: pg.ClientBase, tables: TableSample[], opts: TableProbeOptions): Promise<boolean> {
  const select = 'SELECT ' + tables.map((t, i) => `${countSql(t, opts.countFunction)}::int8 AS c${i}`).join(', ')
  const text = `SAVEPOINT tw_count; SET LOCAL lock_timeout = ${opts.countLockTimeoutMs}; SET LOCAL statement_timeout = ${opts.countStatementTimeoutMs}; ${select}; RELEASE SAVEPOINT tw_count`
  try {
    const results = await client.query(text) as unknown as Results<Record<string, string>>
    const row = results[3]?.rows[0]
    if (row === undefined) return false
    tables.forEach((t, i) => { t.exactRows = Number(row[`c${i}`] ?? 0) })
    return true
  } catch (err) {
    if (pgErrorCode(err) === undefined) throw err
    await client.query('ROLLBACK TO SAVEPOINT tw_count')
    return false
  }
}

async function exactCount (client: pg.ClientBase, t: TableSample, opts: TableProbeOptions) {
  const count = `SELECT ${countSql(t, opts.countFunction)}::int8 AS n`
  // One round trip: a failing count skips the RELEASE and leaves the savepoint to roll back to.
  const text = `SAVEPOINT tw_count; SET LOCAL lock_timeout = ${opts.countLockTimeoutMs}; SET LOCAL statement_timeout = ${opts.countStatementTimeoutMs}; ${count}; RELEASE SAVEPOINT tw_count`
  try {
    const results = await client.query(text) as unknown as Array<pg.QueryResult<{ n: string }>>
    t.exactRows = Number(results[3]?.rows[0]?.n ?? 0)
  } catch (err) {
    const code = pgErrorCode(err)
    if (code === undefined) throw err
    await client.query('ROLLBACK TO SAVEPOINT tw_count')
    t.exactUnavailable = code === PG_CODES.lockNotAvailable
      ? `the table is locked (waited ${opts.countLockTimeoutMs} ms): estimate shown`
      : code === PG_CODES.queryCanceled
        ? `the count took longer than ${opts.countStatementTimeoutMs} ms: estimate shown`
        : code === '42501'
          ? 'the monitoring role may not count this table (install tovwatch.row_count from monitor-role.sql): estimate shown'
          : `count failed (SQLSTATE ${code}): ${redactText((err as Error).message)}`
  }
}
