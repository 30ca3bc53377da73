import { PG_CODES, pgErrorCode } from '../infra/postgres.js'

export type ConflictReason = 'overlap' | 'not_friends' | 'outside_availability' | 'invalid_time'

/** A refusal with a status, a message a person can act on, and optional machine-readable details. */
export class SchedError extends Error {
  constructor (readonly statusCode: number, message: string, readonly details: Record<string, unknown> = {}, readonly reason?: ConflictReason) {
    super(message)
    this.name = 'SchedError'
  }
}

export const badRequest = (msg: string, details?: Record<string, unknown>) => new SchedError(400, msg, details)
export const unauthorized = (msg: string) => new SchedError(401, msg)
export const forbidden = (msg: string, reason?: ConflictReason) => new SchedError(403, msg, {}, reason)
export const notFound = (msg: string) => new SchedError(404, msg)
export const conflict = (msg: string, details?: Record<string, unknown>, reason?: ConflictReason) => new SchedError(409, msg, details, reason)

const CHECK_MESSAGES: Record<string, string> = {
  session_requests_duration: 'A session lasts from 15 minutes to 8 hours.',
  sessions_duration: 'A session lasts from 15 minutes to 8 hours.',
  session_requests_future_start: 'The start must be in the future.',
  sessions_future_start: 'The session has already started; its time cannot be booked any more.',
  session_requests_not_self: 'You cannot invite yourself.',
  friendships_not_self: 'You cannot send a friend request to yourself.',
  availability_windows_order: 'A window must end after it starts (use two windows to cross midnight).',
  availability_exceptions_order: 'An exception must end after it starts.',
}

/**
 * A PostgreSQL rule violation becomes the HTTP answer it deserves, never a 500.
 * Exclusion violations (overlaps) are resolved by the caller, which knows whose session it was.
 */
export function fromPgError (err: unknown): SchedError | undefined {
  const code = pgErrorCode(err)
  const constraint = (err as { constraint?: string }).constraint ?? ''
  switch (code) {
    case PG_CODES.exclusionViolation:
      return conflict('This time overlaps a scheduled session.', {}, 'overlap')
    case PG_CODES.uniqueViolation:
      return conflict(constraint === 'games_name_key' ? 'A game with this name exists already.' : 'This exists already.')
    case PG_CODES.foreignKeyViolation:
      return notFound('A player, game or session named in the request does not exist.')
    case PG_CODES.checkViolation:
      if (constraint.endsWith('_friends_only')) return forbidden('You can only invite friends, and only friends can be booked together.', 'not_friends')
      return new SchedError(400, CHECK_MESSAGES[constraint] ?? `The value breaks the rule ${constraint || 'of the table'}.`, {},
        constraint.endsWith('future_start') || constraint.endsWith('duration') ? 'invalid_time' : undefined)
    case '22P02': // invalid_text_representation, e.g. a malformed uuid that slipped through
      return badRequest('An id in the request is malformed.')
    case '22021': // a NUL byte in text
    case '22P05': // \u0000 in jsonb
      return badRequest('The text holds a NUL character (\\u0000), which cannot be stored. Remove it and retry.')
    default:
      return undefined
  }
}
