import fs from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import { serializeExtendedProtocol } from './pglite-serialize.js'

export interface PoolOptions {
  max: number
  applicationName: string
  statementTimeoutMs: number
  connectionTimeoutMs?: number
  idleTimeoutMs?: number
}

/**
 * A pg Pool with the timeouts every external call must have. Errors emitted by
 * idle clients (server restarts, terminated backends) are reported, never thrown:
 * an unhandled 'error' event would take the whole process down.
 */
export function createPool (connectionString: string, opts: PoolOptions, onError?: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max,
    application_name: opts.applicationName,
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 1000,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 30_000,
  })
  pool.on('error', (err) => onError?.(err))
  return pool
}

/**
 * The server PIDs of the pools' open connections (pg learns its backend's PID at connect).
 * terminate-idle spares these: TovWatch's own connections, known by what the server says, not
 * by an application_name that any client may claim.
 */
export function trackBackendPids (pools: pg.Pool[]): () => number[] {
  const pids = new Map<pg.PoolClient, number>()
  for (const pool of pools) {
    pool.on('connect', (client) => {
      const pid = (client as unknown as { processID?: number }).processID
      if (typeof pid === 'number' && pid > 0) pids.set(client, pid)
    })
    pool.on('remove', (client) => { pids.delete(client) })
  }
  return () => [...new Set(pids.values())]
}

export interface EmbeddedPostgres {
  /** A connection string for the ordinary `pg` driver. */
  connectionString: string
  close: () => Promise<void>
}

/**
 * PGlite behind its socket server, so the same `pg` code path serves the embedded
 * default and a real PostgreSQL. PGlite is one session: the socket server runs the
 * queries of all connections one at a time, and an open transaction blocks the rest.
 */
export async function startEmbeddedPostgres (dataDir: string | undefined): Promise<EmbeddedPostgres> {
  const [{ PGlite }, { PGLiteSocketServer }, { btree_gist: btreeGist }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
    import('@electric-sql/pglite/contrib/btree_gist'),
  ])
  if (dataDir !== undefined) await fs.mkdir(path.dirname(dataDir), { recursive: true })
  const db = await PGlite.create({ dataDir, extensions: { btree_gist: btreeGist } })
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 })
  serializeExtendedProtocol(server)
  await server.start()
  const conn = server.getServerConn()
  return {
    connectionString: `postgresql://postgres@${conn}/postgres?sslmode=disable`,
    close: async () => {
      await server.stop()
      await db.close()
    },
  }
}

/** Postgres error codes TovWatch tells apart. */
/** application_name of the scheduling core's pool (its connections are told apart by PID, see trackBackendPids). */
export const SCHEDULING_APPLICATION_NAME = 'tovplay-scheduling'

export const PG_CODES = {
  invalidCatalogName: '3D000',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  undefinedTable: '42P01',
  queryCanceled: '57014',
  lockNotAvailable: '55P03',
  tooManyConnections: '53300',
  adminShutdown: '57P01',
  cannotConnectNow: '57P03',
  exclusionViolation: '23P01',
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
} as const

export function pgErrorCode (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

/** Quote an identifier that came from the catalog. Request input never reaches this. */
export function quoteIdent (name: string): string {
  return '"' + name.replace(/"/g, '""') + '"'
}

/** Remove the password from a connection URL before it is logged or shown. */
export function redactUrl (connectionString: string): string {
  try {
    const u = new URL(connectionString)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '[unparseable url]'
  }
}
