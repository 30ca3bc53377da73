/**
 * `npm run embed-url -- <panel|all> [--ttl 30d]`: a signed, expiring, read-only embed token
 * for Grafana's iframes. The token is signed with EMBED_SECRET (or the secret kept in DATA_DIR,
 * exactly as the server loads it), so the running server accepts it.
 * - `<panel>` prints one URL, whose token opens that panel only;
 * - `all` prints one token valid for every panel (the dashboards share one `embed_token`
 *   variable), then each panel's URL with it.
 */
import { routePrefix } from '../../infra/http.js'
import { loadConfig } from '../../config.js'
import { EMBED_PANELS, mintEmbedToken, type EmbedPanel } from '../embed.js'
import { loadOrCreateSecret } from '../tokens.js'

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }
const MAX_TTL_S = 366 * 86_400
export const ALL_PANELS = 'all'

export function parseTtl (raw: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(raw.trim())
  if (m === null) throw new Error(`--ttl: expected a duration like 30d, 12h or 90m, got "${raw}"`)
  const s = Number(m[1]) * (UNITS[m[2] as string] as number)
  if (s <= 0 || s > MAX_TTL_S) throw new Error(`--ttl: must be between 1s and 366d, got "${raw}"`)
  return s
}

const USAGE = `usage: npm run embed-url -- <panel|all> [--ttl 30d]\npanels: ${EMBED_PANELS.join(', ')}, or all (one token for every panel)`

export function parseArgs (argv: string[]): { panel: EmbedPanel | typeof ALL_PANELS, ttlSeconds: number } {
  let panel: string | undefined
  let ttl = '30d'
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--ttl') ttl = argv[++i] ?? ''
    else if (a.startsWith('--ttl=')) ttl = a.slice(6)
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${USAGE}`)
    else if (panel !== undefined) throw new Error(`one panel (or all) at a time, got "${panel}" and "${a}"\n${USAGE}`)
    else panel = a
  }
  if (panel === undefined || (panel !== ALL_PANELS && !(EMBED_PANELS as readonly string[]).includes(panel))) {
    throw new Error(USAGE)
  }
  return { panel: panel as EmbedPanel | typeof ALL_PANELS, ttlSeconds: parseTtl(ttl) }
}

export interface EmbedTokenResult {
  /** The token: valid for `panel`'s page only, or for every panel's page when panel is 'all'. */
  token: string
  /** What an admin revokes it by: DELETE {base}/api/embed-tokens/:id. */
  id: string
  panel: EmbedPanel | typeof ALL_PANELS
  expiresAt: string
  urls: Partial<Record<EmbedPanel, string>>
}

export function embedToken (env: Record<string, string | undefined>, argv: string[], now = Date.now()): EmbedTokenResult {
  const config = loadConfig(env)
  const { panel, ttlSeconds } = parseArgs(argv)
  const secret = loadOrCreateSecret(config.dataDir, 'embed.secret', config.auth.embedSecret)
  // '*' in the token opens every panel's page; a named panel opens that page only.
  // Either one may make the read-only API calls a panel's page makes.
  const { token, id } = mintEmbedToken(secret, panel === ALL_PANELS ? '*' : panel, ttlSeconds, now)
  const base = routePrefix(config.basePath)
  const panels = panel === ALL_PANELS ? EMBED_PANELS : [panel]
  const urls: Partial<Record<EmbedPanel, string>> = {}
  for (const p of panels) urls[p] = `${config.publicUrl}${base}/embed/${p}?embed_token=${encodeURIComponent(token)}`
  return { token, id, panel, expiresAt: new Date((Math.floor(now / 1000) + ttlSeconds) * 1000).toISOString(), urls }
}

/** One panel's URL (`npm run embed-url -- tables`). */
export function embedUrl (env: Record<string, string | undefined>, argv: string[], now = Date.now()): string {
  const r = embedToken(env, argv, now)
  if (r.panel === ALL_PANELS) throw new Error('embedUrl: ask for one panel; use embedToken for all')
  return r.urls[r.panel] as string
}

/** What the command prints: the URL alone for one panel; for all, the token and every URL. */
export function formatOutput (r: EmbedTokenResult): string {
  if (r.panel !== ALL_PANELS) return `${r.urls[r.panel] as string}\n`
  const width = Math.max(...EMBED_PANELS.map((p) => p.length))
  return [
    `# One read-only token for every panel, valid until ${r.expiresAt}; its id is ${r.id}`,
    `# (revoke it: DELETE /logs/api/embed-tokens/${r.id} as an admin).`,
    '# Paste it into the Grafana dashboards\' "embed_token" variable (tovwatch-overview, postgresql).',
    `embed_token ${r.token}`,
    '',
    ...EMBED_PANELS.map((p) => `${p.padEnd(width)} ${r.urls[p] as string}`),
    '',
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const r = embedToken(process.env, process.argv.slice(2))
    // The URL alone on stdout (scripts paste it); the id, to revoke it later, on stderr.
    if (r.panel !== ALL_PANELS) process.stderr.write(`embed token id ${r.id} (revoke: DELETE <base>/api/embed-tokens/${r.id} as an admin)\n`)
    process.stdout.write(formatOutput(r))
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(2)
  }
}
