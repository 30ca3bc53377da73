import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter } from 'prom-client'
import { M } from '../metrics/names.js'

/** Failed authentications a client may make per window before every attempt gets 429. */
export const AUTH_FAILURES_MAX = 10
export const AUTH_FAILURE_WINDOW_MS = 60_000

export type AuthKind = 'login' | 'bearer' | 'webhook'

export interface AuthThrottle {
  /**
   * Before checking a credential: answers 429 (with Retry-After) and returns true when this
   * client is over its failures, right credential or not, so a guess that happens to be right
   * is no use to a brute force. It only reads the count: successful requests cost one read.
   */
  refuse: (request: FastifyRequest, reply: FastifyReply, kind: AuthKind) => Promise<boolean>
  /** After a wrong credential. */
  failed: (request: FastifyRequest, kind: AuthKind) => Promise<void>
}

/**
 * @fastify/rate-limit counting failed authentications per client address (request.ip, which
 * believes X-Forwarded-For only from a TRUST_PROXY proxy). With REDIS_URL the counts live in
 * Redis, so every instance sees them; while Redis does not answer the limiter lets requests
 * through (skipOnError) rather than lock everybody out.
 */
export async function createAuthThrottle (app: FastifyInstance, redis: unknown): Promise<AuthThrottle> {
  await app.register(rateLimit, {
    global: false,
    ...(redis !== undefined ? { redis } : {}),
    nameSpace: 'tovwatch:auth-fail:',
    skipOnError: true,
  })
  const limiter = app.createRateLimit({ max: AUTH_FAILURES_MAX, timeWindow: AUTH_FAILURE_WINDOW_MS, keyGenerator: (request) => request.ip })
  const counter = new Counter({
    name: M.authFailures,
    help: 'Failed authentications, by kind (login, bearer, webhook) and outcome (refused: 401/403; throttled: 429)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [app.metrics.registry],
  })
  return {
    async refuse (request, reply, kind) {
      const s = await limiter(request, { increment: false })
      if (s.isAllowed || s.remaining > 0) return false
      counter.inc({ kind, outcome: 'throttled' })
      const retryAfter = Math.max(1, s.ttlInSeconds)
      request.log.warn({ event: 'auth_throttled', kind }, 'too many failed authentications from this client')
      await reply.code(429).header('retry-after', String(retryAfter)).send({
        statusCode: 429,
        error: 'Too Many Requests',
        message: `Too many failed authentications from this address: try again in ${retryAfter} s.`,
      })
      return true
    },
    async failed (request, kind) {
      counter.inc({ kind, outcome: 'refused' })
      await limiter(request)
    },
  }
}
