/**
 * `npm run embed-url -- <panel> [--ttl 30d]`: prints a signed, expiring, read-only URL
 * for a Grafana iframe. The token is signed with EMBED_SECRET (or the secret kept in DATA_DIR,
 * exactly as the server loads it), so the running server accepts it.
 */
import { loadConfig } from '../../config.js'
import { createEmbedToken, EMBED_PANELS, type EmbedPanel } from '../embed.js'
import { loadOrCreateSecret } from '../tokens.js'

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }
const MAX_TTL_S = 366 * 86_400

export function parseTtl (raw: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(raw.trim())
  if (m === null) throw new Error(`--ttl: expected a duration like 30d, 12h or 90m, got "${raw}"`)
  const s = Number(m[1]) * (UNITS[m[2] as string] as number)
  if (s <= 0 || s > MAX_TTL_S) throw new Error(`--ttl: must be between 1s and 366d, got "${raw}"`)
  return s
}

export function parseArgs (argv: string[]): { panel: EmbedPanel, ttlSeconds: number } {
  let panel: string | undefined
  let ttl = '30d'
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--ttl') ttl = argv[++i] ?? ''
    else if (a.startsWith('--ttl=')) ttl = a.slice(6)
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`)
    else panel = a
  }
  if (panel === undefined || !(EMBED_PANELS as readonly string[]).includes(panel)) {
    throw new Error(`usage: npm run embed-url -- <panel> [--ttl 30d]\npanels: ${EMBED_PANELS.join(', ')}`)
  }
  return { panel: panel as EmbedPanel, ttlSeconds: parseTtl(ttl) }
}

export function embedUrl (env: Record<string, string | undefined>, argv: string[], now = Date.now()): string {
  const config = loadConfig(env)
  const { panel, ttlSeconds } = parseArgs(argv)
  const secret = loadOrCreateSecret(config.dataDir, 'embed.secret', config.auth.embedSecret)
  // Scoped to one panel's page; the read-only API calls that page makes accept it too.
  const token = createEmbedToken(secret, panel, ttlSeconds, now)
  const base = config.basePath === '/' ? '' : config.basePath
  return `${config.publicUrl}${base}/embed/${panel}?embed_token=${encodeURIComponent(token)}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.stdout.write(embedUrl(process.env, process.argv.slice(2)) + '\n')
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(2)
  }
}
