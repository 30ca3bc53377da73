import { Type } from 'typebox'

export const AmMatcherSchema = Type.Object({
  name: Type.String({ maxLength: 200 }),
  value: Type.String({ maxLength: 1000 }),
  isRegex: Type.Boolean(),
  isEqual: Type.Optional(Type.Boolean()),
})

/** Alertmanager's own PostableSilence; createdBy is replaced by the logged-in user. */
export const PostableSilenceSchema = Type.Object({
  matchers: Type.Array(AmMatcherSchema, { minItems: 1, maxItems: 50 }),
  startsAt: Type.String({ maxLength: 40 }),
  endsAt: Type.String({ maxLength: 40 }),
  comment: Type.String({ minLength: 1, maxLength: 2000 }),
  createdBy: Type.Optional(Type.String({ maxLength: 200 })),
})

export const SilenceSchema = Type.Object({
  id: Type.String(),
  status: Type.Object({ state: Type.String() }),
  matchers: Type.Array(AmMatcherSchema),
  startsAt: Type.String(),
  endsAt: Type.String(),
  updatedAt: Type.String(),
  createdBy: Type.String(),
  comment: Type.String(),
})

export const SilencesReply = Type.Object({
  available: Type.Boolean(),
  /** Why silences cannot be shown (no ALERTMANAGER_URL, Alertmanager down), or ''. */
  message: Type.String(),
  measuredAt: Type.String(),
  silences: Type.Array(SilenceSchema),
})

export const CreatedReply = Type.Object({
  id: Type.String(),
  /** Firing alerts the silence matched when it was created, of `firing`. */
  matched: Type.Integer(),
  firing: Type.Integer(),
  warning: Type.Union([Type.String(), Type.Null()]),
})

export const MutingReply = Type.Object({
  available: Type.Boolean(),
  error: Type.String(),
  measuredAt: Type.Union([Type.String(), Type.Null()]),
  muted: Type.Record(Type.String(), Type.Object({ silencedBy: Type.Array(Type.String()), inhibitedBy: Type.Array(Type.String()) })),
})

export const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() })
