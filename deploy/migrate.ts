/**
 * The scheduling core's migrations, as the owner role (DATABASE_URL, set by the compose
 * "migrate" service from MIGRATE_DATABASE_URL). Run straight against PostgreSQL: node-pg-migrate
 * holds a session advisory lock, which PgBouncer's transaction pooling would not keep.
 */
import pg from 'pg'
import { migrate } from '../server/src/scheduling/migrate.js'

const url = process.env.DATABASE_URL
if (url === undefined || url === '') {
  process.stderr.write('migrate: DATABASE_URL (the owner role, straight to PostgreSQL) is not set\n')
  process.exit(78)
}
const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'tovwatch-migrate', connectionTimeoutMillis: 10_000 })
try {
  const applied = await migrate(pool, { info: (m) => console.log(m), warn: (m) => console.error(m) })
  console.log(applied.length === 0 ? 'scheduling migrations: up to date' : `scheduling migrations applied: ${applied.join(', ')}`)
} catch (err) {
  process.stderr.write(`migrate FAILED: ${(err as Error).message}\n`)
  process.exitCode = 1
} finally {
  await pool.end()
}
