import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { inlineArguments } from '../../src/scheduling/db.js'
import { have, PG_ADMIN_URL } from '../helpers/services.js'

// escapeLiteral needs no connection.
const client = new pg.Client()
const withPostgres = await have('postgres')

describe('inlineArguments (the statement text sent instead of EXECUTE behind a transaction pooler)', () => {
  it('inlines each $n as a typed literal, $10 apart from $1, NULL as NULL', () => {
    const types = Array.from({ length: 10 }, (_, i) => i === 9 ? 'jsonb' : 'text')
    const values: Array<string | null> = ['a', null, 'c', 'd', 'e', 'f', 'g', 'h', 'i', '{"k":1}']
    expect(inlineArguments(client, 'SELECT $1, $2, $10, $1', types, values))
      .toBe("SELECT ('a'::text), (NULL::text), ('{\"k\":1}'::jsonb), ('a'::text)")
  })

  it('escapes quotes and backslashes, so a value cannot end its literal', () => {
    const sql = inlineArguments(client, 'SELECT $1', ['text'], ["x'); DROP TABLE sessions; --\\"])
    expect(sql).toBe("SELECT ( E'x''); DROP TABLE sessions; --\\\\'::text)")
  })

  it.skipIf(!withPostgres)('gives PostgreSQL back exactly the values it was given', async () => {
    const values = ["it's", 'back\\slash', 'ünïcødé 🎮', null, '2026-11-29T12:00:00.000Z']
    const real = new pg.Client({ connectionString: PG_ADMIN_URL })
    await real.connect()
    try {
      const { rows } = await real.query(inlineArguments(real, 'SELECT $1 AS a, $2 AS b, $3 AS c, $4 AS d, $5 AS e', ['text', 'text', 'text', 'text', 'timestamptz'], values))
      expect(rows[0]).toEqual({ a: values[0], b: values[1], c: values[2], d: null, e: new Date(values[4] as string) })
    } finally {
      await real.end()
    }
  })

  it('refuses a placeholder without a value and a types/values mismatch', () => {
    expect(() => inlineArguments(client, 'SELECT $2', ['text'], ['a'])).toThrow(/\$2 has no value/)
    expect(() => inlineArguments(client, 'SELECT $1', ['text', 'text'], ['a'])).toThrow(/2 types for 1 values/)
  })
})
