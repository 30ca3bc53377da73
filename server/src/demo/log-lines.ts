import crypto from 'node:crypto'

/**
 * TovPlay's log lines as its real services write them: a Flask/gunicorn API behind
 * nginx, SQLAlchemy, a Celery mailer. Mostly noise (access lines, INFO, DEBUG), as
 * the team's old dashboard saw it; the errors are the kinds its incidents produced.
 */
const PATHS = ['/api/players/me', '/api/games', '/api/availability/free', '/api/requests', '/api/sessions', '/api/friends', '/health']
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'okhttp/4.12', 'TovPlayApp/2.3 (iPhone)', 'kube-probe/1.29']
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T
const ip = () => `10.0.${Math.floor(Math.random() * 4)}.${2 + Math.floor(Math.random() * 200)}`
const id = () => Math.floor(Math.random() * 9000) + 1000
const clf = (d: Date) => {
  const m = d.toUTCString().split(' ')
  return `${m[1]}/${m[2]}/${m[3]}:${m[4]} +0000`
}
const py = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '').replace('.', ',')
const json = (d: Date, level: number, msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level, time: d.getTime(), service: 'tovplay-api', reqId: crypto.randomUUID().slice(0, 8), ...extra, msg })

export function accessLine (d: Date, status = pick([200, 200, 200, 200, 201, 204, 304])): string {
  const method = status === 201 ? 'POST' : pick(['GET', 'GET', 'GET', 'POST'])
  return `${ip()} - - [${clf(d)}] "${method} ${pick(PATHS)} HTTP/1.1" ${status} ${100 + Math.floor(Math.random() * 4000)} "-" "${pick(AGENTS)}"`
}

/** Ordinary chatter: access lines, INFO and DEBUG. None of it is an error. */
export function noiseLine (d: Date): string {
  const r = Math.random()
  if (r < 0.55) return accessLine(d)
  if (r < 0.8) return json(d, 30, pick(['session request created', 'availability updated', 'player signed in', 'reminder scheduled', 'friend request accepted']), { playerId: id() })
  if (r < 0.9) return `${py(d)} INFO [celery.worker] Task mailer.send_reminder[${crypto.randomUUID()}] succeeded in 0.21s`
  return json(d, 20, 'cache hit', { key: `player:${id()}` })
}

/** One line of each severity the team sees every day (low to critical). */
export const everyday = {
  low: (d: Date) => accessLine(d, pick([404, 409, 422])),
  medium: (d: Date) => json(d, 40, `slow query: ${800 + id()} ms on /api/availability/free`),
  high: (d: Date) => `${py(d)} ERROR [celery.worker] Failed to send reminder e-mail for session ${id()}: SMTPServerDisconnected: Connection unexpectedly closed (timeout 10s)`,
  critical: (d: Date) => `${py(d)} CRITICAL [sqlalchemy.pool] QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 30.00`,
}

/** A Python traceback as gunicorn writes it: one line each. */
export function traceback (d: Date): string[] {
  const n = id()
  return [
    `${py(d)} ERROR [tovplay.api] Exception on /api/sessions/${n} [GET]`,
    'Traceback (most recent call last):',
    '  File "/app/tovplay/api/sessions.py", line 88, in get_session',
    '    session = Session.query.filter_by(id=session_id).one()',
    `sqlalchemy.exc.NoResultFound: No row was found when one was required (session ${n})`,
  ]
}

/** What a connection leak looks like from the application's side. */
export function poolExhaustion (d: Date): string[] {
  return [
    everyday.critical(d),
    `${py(d)} ERROR [tovplay.api] sqlalchemy.exc.TimeoutError: QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)`,
    accessLine(d, 503),
  ]
}
