import crypto from 'node:crypto'
import type { FastifyInstance } from 'fastify'

interface Player { id: string, token: string }
const NAMES = ['Ari', 'Ben', 'Cai', 'Dov', 'Eli', 'Fay', 'Gil', 'Hila', 'Ido', 'Jo', 'Kim', 'Lior']
const ZONES = ['Asia/Jerusalem', 'Europe/London', 'America/New_York', 'UTC']
const GAMES = ['Minecraft', 'Stardew Valley', 'Terraria', 'Animal Crossing', 'Rocket League']
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T

/**
 * Steady synthetic TovPlay traffic through the scheduling core's own API (in-process,
 * so it costs no sockets): players with availability, friendships, session requests
 * that are accepted, declined or cancelled. About one write a second.
 */
export function startDemoTraffic (app: FastifyInstance, adminToken: string, onError: (err: Error) => void): { stop: () => void } {
  let stopped = false
  const send = async (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}) }, ...(payload !== undefined ? { payload } : {}) })
    return { status: res.statusCode, body: res.statusCode < 300 && res.body !== '' ? res.json() : undefined }
  }
  const players: Player[] = []
  const games: string[] = []
  const requests: Array<{ id: string, invitee: Player }> = []
  const sessions: Array<{ id: string, by: Player }> = []

  async function setup () {
    const run = crypto.randomBytes(2).toString('hex')
    for (const g of GAMES) {
      const r = await send('POST', '/api/games', adminToken, { name: `${g} ${run}` })
      if (r.body !== undefined) games.push(r.body.id)
    }
    for (const name of NAMES) {
      if (stopped) return
      const r = await send('POST', '/api/players', adminToken, { displayName: `${name} ${run}`, timeZone: pick(ZONES) })
      if (r.body === undefined) continue
      const t = await send('POST', `/api/players/${r.body.id}/tokens`, adminToken, { name: 'demo' })
      if (t.body === undefined) continue
      const p = { id: r.body.id as string, token: t.body.token as string }
      for (let d = 1; d <= 7; d++) await send('POST', '/api/availability/windows', p.token, { dayOfWeek: d, start: '08:00', end: '23:00' })
      for (const q of players) {
        const f = await send('POST', '/api/friends', p.token, { playerId: q.id })
        if (f.body !== undefined) await send('POST', `/api/friends/${f.body.id}/accept`, q.token)
      }
      players.push(p)
    }
  }

  async function step () {
    if (players.length < 2 || games.length === 0) return
    const r = Math.random()
    if (r < 0.45) {
      const a = pick(players)
      const b = pick(players.filter((x) => x !== a))
      const start = new Date(Date.now() + (1 + Math.floor(Math.random() * 20)) * 86_400_000)
      start.setUTCHours(10 + Math.floor(Math.random() * 8), pick([0, 30]), 0, 0)
      const res = await send('POST', '/api/requests', a.token, { inviteeId: b.id, gameId: pick(games), start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString(), message: 'Want to play?' })
      if (res.body !== undefined) requests.push({ id: res.body.id, invitee: b })
    } else if (r < 0.8 && requests.length > 0) {
      const q = requests.splice(Math.floor(Math.random() * requests.length), 1)[0] as { id: string, invitee: Player }
      const res = await send('POST', `/api/requests/${q.id}/${Math.random() < 0.75 ? 'accept' : 'decline'}`, q.invitee.token)
      if (res.body?.session?.id !== undefined) sessions.push({ id: res.body.session.id, by: q.invitee })
    } else if (r < 0.88 && sessions.length > 20) {
      const s = sessions.splice(0, 1)[0] as { id: string, by: Player }
      await send('POST', `/api/sessions/${s.id}/cancel`, s.by.token, { reason: 'Something came up' })
    } else {
      const p = pick(players)
      await send('GET', `/api/availability/free?with=${pick(players.filter((x) => x !== p)).id}&weeks=1`, p.token)
    }
    if (requests.length > 200) requests.splice(0, 100)
  }

  let timer: NodeJS.Timeout | undefined
  const next = () => {
    if (stopped) return
    timer = setTimeout(() => { step().catch(onError).finally(next) }, 700 + Math.random() * 600)
    timer.unref()
  }
  setup().catch(onError).finally(next)
  return { stop: () => { stopped = true; clearTimeout(timer) } }
}
