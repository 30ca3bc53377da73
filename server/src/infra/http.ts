import { STATUS_CODES } from 'node:http'
import { Type, type TSchema } from 'typebox'

/**
 * TovWatch's one HTTP vocabulary: the error body every refusal has, the status names,
 * the shared error responses routes declare, and the prefix routes are mounted under.
 * Routes refuse by throwing `app.httpErrors.*` (@fastify/sensible); the one error
 * handler in app.ts writes this body.
 */

/** Every error answer. `field` names the input at fault; the scheduling API adds its details. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  side: Type.Optional(Type.String()),
  sessionId: Type.Optional(Type.String()),
})

/** A string or null: a value that may be absent in an answer. */
export const NullableString = () => Type.Union([Type.String(), Type.Null()])

/** The one table of status names (Node's), e.g. 404 → "Not Found". */
export function statusName (status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error')
}

/** The error responses a route declares, e.g. `...errorResponses(400, 401, 503)`. */
export function errorResponses (...codes: Array<number | '4xx' | '5xx'>): Record<string, TSchema> {
  return Object.fromEntries(codes.map((c) => [String(c), ErrorBody]))
}

/** What any route behind the auth hook may answer besides its own: 401 (no or bad credentials) and 403 (role, CSRF). */
export const AUTH_ERRORS = [401, 403] as const

/** The prefix the /logs plugins are registered under: BASE_PATH, or nothing when it is "/". */
export function routePrefix (basePath: string): string {
  return basePath === '/' ? '' : basePath
}
