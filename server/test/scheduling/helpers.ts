import crypto from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { DateTime } from 'luxon'
import { ADMIN_TOKEN } from '../helpers/app.js'

export const adminHeaders = () => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': crypto.randomUUID() })
export const as = (token: string, key: string | null = crypto.randomUUID()) =>
  key === null ? { authorization: `Bearer ${token}` } : { authorization: `Bearer ${token}`, 'idempotency-key': key }

export interface TestPlayer { id: string, token: string, zone: string }

export async function createPlayer (app: FastifyInstance, displayName: string, timeZone = 'UTC', opts: { allWeek?: boolean } = { allWeek: true }): Promise<TestPlayer> {
  const res = await app.inject({ method: 'POST', url: '/api/players', headers: adminHeaders(), payload: { displayName, timeZone } })
  if (res.statusCode !== 201) throw new Error(`create player: ${res.statusCode} ${res.body}`)
  const id = res.json().id as string
  const tok = await app.inject({ method: 'POST', url: `/api/players/${id}/tokens`, headers: adminHeaders(), payload: { name: 'test' } })
  if (tok.statusCode !== 201) throw new Error(`token: ${tok.statusCode} ${tok.body}`)
  const p = { id, token: tok.json().token as string, zone: timeZone }
  if (opts.allWeek === true) {
    for (let d = 1; d <= 7; d++) await post(app, p, '/api/availability/windows', { dayOfWeek: d, start: '00:00', end: '24:00' })
  }
  return p
}

export async function post (app: FastifyInstance, p: TestPlayer, url: string, payload?: unknown, key: string = crypto.randomUUID()) {
  return app.inject({ method: 'POST', url, headers: as(p.token, key), ...(payload !== undefined ? { payload: payload as object } : {}) })
}

export async function befriend (app: FastifyInstance, a: TestPlayer, b: TestPlayer): Promise<void> {
  const r = await post(app, a, '/api/friends', { playerId: b.id })
  if (r.statusCode !== 201) throw new Error(`friend request: ${r.statusCode} ${r.body}`)
  const acc = await post(app, b, `/api/friends/${r.json().id}/accept`)
  if (acc.statusCode !== 200) throw new Error(`friend accept: ${acc.statusCode} ${acc.body}`)
}

export async function createGame (app: FastifyInstance, name = `Game ${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/games', headers: adminHeaders(), payload: { name } })
  if (res.statusCode !== 201) throw new Error(`game: ${res.statusCode} ${res.body}`)
  return res.json().id
}

/** A time `days` from now at hh:mm UTC, as ISO. */
export function at (days: number, hh = 12, mm = 0): string {
  return DateTime.utc().plus({ days }).set({ hour: hh, minute: mm, second: 0, millisecond: 0 }).toISO() as string
}
export const plusMinutes = (iso: string, min: number) => new Date(new Date(iso).getTime() + min * 60_000).toISOString()

export async function propose (app: FastifyInstance, org: TestPlayer, inv: TestPlayer, gameId: string, start: string, minutes = 60, message?: string) {
  return post(app, org, '/api/requests', { inviteeId: inv.id, gameId, start, end: plusMinutes(start, minutes), ...(message !== undefined ? { message } : {}) })
}
