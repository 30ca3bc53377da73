import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPool, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/infra/postgres.js'
import type pg from 'pg'

let embedded: EmbeddedPostgres
let pools: pg.Pool[] = []
beforeAll(async () => { embedded = await startEmbeddedPostgres(undefined) }, 120_000)
afterAll(async () => {
  for (const p of pools) await p.end()
  await embedded.close()
})

describe('embedded PGlite over its socket server', () => {
  it('keeps concurrent parameterized queries on many connections apart', async () => {
    pools = [1, 2].map(() => createPool(embedded.connectionString, { max: 4, applicationName: 't', statementTimeoutMs: 30_000 }))
    const results = await Promise.allSettled(Array.from({ length: 400 }, (_, i) =>
      pools[i % 2]!.query('SELECT $1::int AS n, $2::text AS s', [i, `v${i}`])))
    const failed = results.filter((r) => r.status === 'rejected')
    expect(failed).toHaveLength(0)
    results.forEach((r, i) => {
      expect(r.status === 'fulfilled' && r.value.rows[0]).toEqual({ n: i, s: `v${i}` })
    })
  }, 120_000)

  it('keeps serving after a failed statement', async () => {
    const pool = pools[0]!
    await expect(pool.query('SELECT $1::int', ['not a number'])).rejects.toThrow(/invalid input syntax/)
    const after = await Promise.all([pool.query('SELECT 1 AS one'), pools[1]!.query('SELECT $1::int AS two', [2])])
    expect(after.map((r) => r.rows[0])).toEqual([{ one: 1 }, { two: 2 }])
  })
})
