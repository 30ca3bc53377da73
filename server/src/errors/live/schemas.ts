import { Type, type Static } from 'typebox'
import { ErrorsResponse } from '../schemas.js'

/**
 * The live error feed's messages on the existing alert stream (WS {base}/api/alerts/stream).
 * A client sends `errors.subscribe` with the query of the page it shows and `since`, the end of
 * the answer it holds (GET /api/errors → range.end); the server then pushes `errors.live` frames
 * with the tail: what happened in [since, end), to add to that answer.
 */
export const LiveSubscribe = Type.Object({
  type: Type.Literal('errors.subscribe'),
  /** The client's name for this subscription (one socket may hold a few). */
  id: Type.String({ minLength: 1, maxLength: 64 }),
  since: Type.String({ maxLength: 40 }),
  minSeverity: Type.Optional(Type.String({ maxLength: 40 })),
  q: Type.Optional(Type.String({ maxLength: 2048 })),
  limit: Type.Optional(Type.String({ maxLength: 40 })),
  /** As GET /api/errors: `hide` (default) leaves muted groups out of the tail, `include` shows them. */
  muted: Type.Optional(Type.String({ maxLength: 40 })),
})
export type LiveSubscribeMessage = Static<typeof LiveSubscribe>

export const LiveUnsubscribe = Type.Object({
  type: Type.Literal('errors.unsubscribe'),
  id: Type.String({ minLength: 1, maxLength: 64 }),
})

const Tail = ErrorsResponse.properties
export const LiveFrameSchema = Type.Union([
  /**
   * The tail after `since`, whole each time (not a delta): counts are events, an event split across
   * refreshes is counted once, and the series has 60 s steps (every step of the feed is a multiple).
   */
  Type.Object({
    type: Type.Literal('errors.live'),
    id: Type.String(),
    since: Type.String(),
    end: Type.String(),
    complete: Tail.complete,
    incompleteReasons: Tail.incompleteReasons,
    totals: Tail.totals,
    groups: Tail.groups,
    /** Muted groups in the tail and their events (absent without the lifecycle store), as the feed's `muted`. */
    muted: Tail.muted,
    series: Tail.series,
  }),
  /** The subscription was refused or ended: bad input (with its field), or the tail grew too old (reload, then subscribe again). */
  Type.Object({
    type: Type.Literal('errors.live.refused'),
    id: Type.String(),
    reason: Type.Union([Type.Literal('input'), Type.Literal('forbidden'), Type.Literal('rebase'), Type.Literal('limit'), Type.Literal('off')]),
    field: Type.Optional(Type.String()),
    message: Type.String(),
  }),
])
export type LiveFrame = Static<typeof LiveFrameSchema>
