import { Type, type Static } from 'typebox'

const StringMap = Type.Record(Type.String(), Type.String())

const WebhookAlert = Type.Object({
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
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
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  receiver: Type.String(),
  groupLabels: Type.Optional(StringMap),
  commonLabels: Type.Optional(StringMap),
  commonAnnotations: Type.Optional(StringMap),
  externalURL: Type.Optional(Type.String()),
  alerts: Type.Array(WebhookAlert),
})
export type WebhookPayload = Static<typeof WebhookBody>

export const WebhookReply = Type.Object({
  status: Type.Literal('ok'),
  received: Type.Integer(),
  stored: Type.Integer(),
  truncatedAlerts: Type.Integer(),
})

export const Problem = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() })
