import { Type, type Static } from 'typebox'

const StringMap = Type.Record(Type.String(), Type.String())

// An alert's own fields are checked one alert at a time (webhook-input.ts): one bad alert is kept as a
// dead letter and never costs the others in its webhook, so the schema only asks for the shape.
const WebhookAlert = Type.Object({
  status: Type.String({ maxLength: 64 }),
  labels: StringMap,
  annotations: Type.Optional(StringMap),
  startsAt: Type.String({ maxLength: 64 }),
  endsAt: Type.Optional(Type.String({ maxLength: 64 })),
  generatorURL: Type.Optional(Type.String({ maxLength: 4096 })),
  fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
})

/** Alertmanager's webhook payload (version "4"); unknown extra fields are tolerated. */
export const WebhookBody = Type.Object({
  version: Type.String(),
  groupKey: Type.Optional(Type.String()),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Type.String({ maxLength: 64 }),
  receiver: Type.String(),
  groupLabels: Type.Optional(StringMap),
  commonLabels: Type.Optional(StringMap),
  commonAnnotations: Type.Optional(StringMap),
  externalURL: Type.Optional(Type.String()),
  alerts: Type.Array(WebhookAlert),
})
export type WebhookPayload = Static<typeof WebhookBody>

export const Rejection = Type.Object({
  /** The alert's position in the webhook's `alerts`. */
  index: Type.Integer(),
  reason: Type.String(),
  /** What is wrong, naming the limit (its variable) when one was exceeded. */
  message: Type.String(),
})

export const WebhookReply = Type.Object({
  status: Type.Literal('ok'),
  received: Type.Integer(),
  stored: Type.Integer(),
  /** Alerts kept as dead letters (shown in the Alerts view) instead of being stored. */
  rejected: Type.Integer(),
  /** The first rejections (at most 20). */
  rejections: Type.Array(Rejection),
  /** Alerts whose text had a NUL or a lone surrogate replaced with U+FFFD. */
  sanitized: Type.Integer(),
  truncatedAlerts: Type.Integer(),
})

export const Problem = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() })
