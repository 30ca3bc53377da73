import crypto from 'node:crypto'
import pg from 'pg'
import { PG_ADMIN_URL } from './services.js'

export interface TestDatabase {
  name: string
  url: string
  drop: () => Promise<void>
}

/** A fresh database on the real PostgreSQL, so test files never see each other's rows. */
export async function createTestDatabase (prefix = 'tw_test'): Promise<TestDatabase> {
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE "${name}"`)
  } finally {
    await admin.end()
  }
  const u = new URL(PG_ADMIN_URL)
  u.pathname = '/' + name
  return {
    name,
    url: u.toString(),
    async drop () {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}
