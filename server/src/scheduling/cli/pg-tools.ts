import { spawn } from 'node:child_process'
import { redactText } from '../../infra/logger.js'
import { redactUrl } from '../../infra/postgres.js'

export class CliError extends Error {
  constructor (message: string, readonly exitCode = 1) {
    super(message)
    this.name = 'CliError'
  }
}

/** libpq connection settings without the password, which goes to the child only through PGPASSWORD. */
export function connectionEnv (databaseUrl: string): { url: string, env: NodeJS.ProcessEnv, shown: string } {
  const u = new URL(databaseUrl)
  const password = decodeURIComponent(u.password)
  u.password = ''
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (password !== '') env.PGPASSWORD = password
  return { url: u.toString(), env, shown: redactUrl(databaseUrl) }
}

export function withDatabase (databaseUrl: string, name: string): string {
  const u = new URL(databaseUrl)
  u.pathname = '/' + encodeURIComponent(name)
  return u.toString()
}

/** Runs a PostgreSQL client tool; its stderr comes back redacted in the error, never the password. */
export function run (bin: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 6 * 3600_000): Promise<{ stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(new CliError(err.code === 'ENOENT'
        ? `${bin} was not found on PATH. Install the PostgreSQL client tools (same major version as the server or newer), e.g. apt-get install postgresql-client.`
        : `${bin} could not start: ${err.message}`))
    })
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr })
      else reject(new CliError(`${bin} failed (${signal ?? `exit ${code}`}): ${redactText(stderr.trim()).slice(0, 2000) || 'no message'}`))
    })
  })
}
